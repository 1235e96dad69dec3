/**
 * Who is online. Answers "is this user connected anywhere", never "where to send": delivery
 * goes through the `user:<id>` Socket.IO rooms. Multi-device: a user is online while any of
 * their sockets is.
 */
export interface PresenceStore {
  /** records a connected socket of the user on this instance */
  add(userId: string, socketId: string): Promise<void>;
  remove(userId: string, socketId: string): Promise<void>;
  /** live sockets of the user on every instance this store can see */
  count(userId: string): Promise<number>;
  isOnline(userIds: string[]): Promise<Map<string, boolean>>;
}
