import type { Server } from 'socket.io';
import type { Logger } from '../infra/logger';
import type { Notifier } from '../ports/notifier';
import { userRoom } from './socket-auth';

/**
 * The Notifier on Socket.IO rooms: `user:<id>` reaches every device of the user on every
 * instance the adapter connects. An emit never throws into the domain service that called it.
 */
export class SocketNotifier implements Notifier {
  constructor(
    private readonly io: Server,
    private readonly logger: Logger,
  ) {}

  toUsers(userIds: readonly string[], event: string, payload: object): void {
    if (userIds.length === 0) return;
    // one recipient (a typing, a message) is the common case: no array of rooms to build
    const rooms = userIds.length === 1 ? userRoom(userIds[0]!) : userIds.map(userRoom);
    this.safely(event, () => this.io.to(rooms).emit(event, payload));
  }

  toUsersExceptSocket(
    userIds: readonly string[],
    exceptSocketId: string | undefined,
    event: string,
    payload: object,
  ): void {
    if (userIds.length === 0) return;
    this.safely(event, () => {
      const to = this.io.to(userIds.map(userRoom));
      (exceptSocketId ? to.except(exceptSocketId) : to).emit(event, payload);
    });
  }

  toUsersAndRoom(userIds: readonly string[], room: string, event: string, payload: object): void {
    // one emit to the union of rooms: a socket in several of them gets the event once
    this.safely(event, () => this.io.to([room, ...userIds.map(userRoom)]).emit(event, payload));
  }

  private safely(event: string, emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.logger.warn({ err, event }, 'emit failed');
    }
  }
}
