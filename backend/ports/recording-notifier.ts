import type { Notifier } from './notifier';

export interface RecordedEmit {
  /** a user's devices; undefined for the room part of toUsersAndRoom */
  userId?: string | undefined;
  room?: string | undefined;
  exceptSocketId?: string | undefined;
  event: string;
  payload: object;
}

/**
 * Keeps every emit in order instead of sending it: what service-level tests attach to read
 * what would have been pushed, and a place to look when running without a socket server.
 */
export class RecordingNotifier implements Notifier {
  readonly emits: RecordedEmit[] = [];

  toUsers(userIds: readonly string[], event: string, payload: object): void {
    for (const userId of userIds) this.emits.push({ userId, event, payload });
  }

  toUsersExceptSocket(
    userIds: readonly string[],
    exceptSocketId: string | undefined,
    event: string,
    payload: object,
  ): void {
    for (const userId of userIds) this.emits.push({ userId, exceptSocketId, event, payload });
  }

  toUsersAndRoom(userIds: readonly string[], room: string, event: string, payload: object): void {
    for (const userId of userIds) this.emits.push({ userId, event, payload });
    this.emits.push({ room, event, payload });
  }

  to(userId: string, event?: string): RecordedEmit[] {
    return this.emits.filter((e) => e.userId === userId && (event === undefined || e.event === event));
  }

  inRoom(room: string, event?: string): RecordedEmit[] {
    return this.emits.filter((e) => e.room === room && (event === undefined || e.event === event));
  }

  clear(): void {
    this.emits.length = 0;
  }
}
