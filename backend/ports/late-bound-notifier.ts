import type { Notifier } from './notifier';

/**
 * The services are built before the Socket.IO server exists (it needs the HTTP server, which
 * needs the app, which needs the services), so they hold this and server.ts attaches the real
 * target once io is up. Until then, and after detach on shutdown, emits go nowhere: with no
 * sockets there is nobody to deliver to, and the data is already persisted for `sync`.
 */
export class LateBoundNotifier implements Notifier {
  private target: Notifier | undefined;

  attach(target: Notifier): void {
    this.target = target;
  }

  detach(): void {
    this.target = undefined;
  }

  toUsers(userIds: readonly string[], event: string, payload: object): void {
    this.target?.toUsers(userIds, event, payload);
  }

  toUsersExceptSocket(
    userIds: readonly string[],
    exceptSocketId: string | undefined,
    event: string,
    payload: object,
  ): void {
    this.target?.toUsersExceptSocket(userIds, exceptSocketId, event, payload);
  }

  toUsersAndRoom(userIds: readonly string[], room: string, event: string, payload: object): void {
    this.target?.toUsersAndRoom(userIds, room, event, payload);
  }
}
