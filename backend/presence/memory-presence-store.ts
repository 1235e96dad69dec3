import type { PresenceStore } from './presence-store';

/**
 * The in-process userSocketMap, done right: a set of sockets per user, so a second tab adds a
 * device instead of overwriting the first. Knows only this instance's sockets. Mutations are
 * synchronous inside the async methods, so callers that snapshot it (backfill, shadow reads)
 * see every write that has been started.
 */
export class MemoryPresenceStore implements PresenceStore {
  private readonly users = new Map<string, Set<string>>();
  private sockets = 0;

  async add(userId: string, socketId: string): Promise<void> {
    this.addNow(userId, socketId);
  }

  async remove(userId: string, socketId: string): Promise<void> {
    this.removeNow(userId, socketId);
  }

  async count(userId: string): Promise<number> {
    return this.users.get(userId)?.size ?? 0;
  }

  async isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    return new Map(userIds.map((id) => [id, this.users.has(id)]));
  }

  addNow(userId: string, socketId: string): void {
    let set = this.users.get(userId);
    if (!set) {
      set = new Set();
      this.users.set(userId, set);
    }
    if (!set.has(socketId)) {
      set.add(socketId);
      this.sockets += 1;
    }
  }

  removeNow(userId: string, socketId: string): void {
    const set = this.users.get(userId);
    if (!set?.delete(socketId)) return;
    this.sockets -= 1;
    if (set.size === 0) this.users.delete(userId);
  }

  /** this user's sockets on this instance (a copy) */
  socketsOf(userId: string): Set<string> {
    return new Set(this.users.get(userId));
  }

  /** every (user, socket) pair on this instance, for backfilling another store */
  entries(): Array<[userId: string, socketId: string]> {
    const out: Array<[string, string]> = [];
    for (const [userId, set] of this.users) for (const socketId of set) out.push([userId, socketId]);
    return out;
  }

  /** sockets connected to this instance */
  get size(): number {
    return this.sockets;
  }

  /** users with a socket on this instance */
  get userCount(): number {
    return this.users.size;
  }
}
