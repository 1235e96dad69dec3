import type { SocketCap } from './socket-cap';

/** This instance's sockets per user; admit is synchronous underneath, so concurrent handshakes cannot overshoot. */
export class MemorySocketCap implements SocketCap {
  private readonly byUser = new Map<string, Set<string>>();

  constructor(private readonly max: number) {}

  admit(userId: string, socketId: string): Promise<boolean> {
    return Promise.resolve(this.admitNow(userId, socketId));
  }

  admitNow(userId: string, socketId: string): boolean {
    const sockets = this.byUser.get(userId) ?? new Set<string>();
    if (sockets.has(socketId)) return true;
    if (sockets.size >= this.max) return false;
    sockets.add(socketId);
    this.byUser.set(userId, sockets);
    return true;
  }

  release(userId: string, socketId: string): void {
    const sockets = this.byUser.get(userId);
    if (!sockets) return;
    sockets.delete(socketId);
    if (sockets.size === 0) this.byUser.delete(userId);
  }

  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** every (user, socket) held here, for refreshing shared entries */
  *entries(): Generator<[string, string]> {
    for (const [userId, sockets] of this.byUser) for (const s of sockets) yield [userId, s];
  }
}
