/**
 * How domain services push an event to users after persisting it. The Socket.IO server
 * implements it (realtime/socket-notifier.ts); modules never see sockets. Delivery is
 * best-effort: an emit can be lost (a Redis adapter dropping packets, a client offline), which
 * is why everything emitted is persisted first and readable again through `sync`.
 */
export interface Notifier {
  /** every device of each user, on every instance the adapter reaches */
  toUsers(userIds: readonly string[], event: string, payload: object): void;
  /**
   * every device of each user except one socket (the sender's own device that already has the
   * ack): one emit, so one adapter packet for a message's recipient and the sender's other devices
   */
  toUsersExceptSocket(
    userIds: readonly string[],
    exceptSocketId: string | undefined,
    event: string,
    payload: object,
  ): void;
  /**
   * every device of each user and every socket in the room (a feature's room, such as spectators), each socket
   * once even when it is in both
   */
  toUsersAndRoom(userIds: readonly string[], room: string, event: string, payload: object): void;
}
