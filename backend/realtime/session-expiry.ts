import type { Socket } from 'socket.io';

/** How often expiries are looked at: a socket outlives its token by at most this. */
const SWEEP_MS = 1000;

/**
 * A socket lives no longer than the token that opened it: at expiry the client is told
 * (`session:expired`) and disconnected, and reconnects with a fresh token. One timer for every
 * socket of the instance, sweeping per-second buckets, instead of a timer and a closure per
 * socket.
 */
export class SessionExpiry {
  private readonly buckets = new Map<number, Set<Socket>>();
  private readonly bucketOf = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  add(socket: Socket, expiresAt: Date): void {
    const at = Math.ceil(expiresAt.getTime() / SWEEP_MS);
    let bucket = this.buckets.get(at);
    if (!bucket) {
      bucket = new Set();
      this.buckets.set(at, bucket);
    }
    bucket.add(socket);
    this.bucketOf.set(socket.id, at);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  remove(socket: Socket): void {
    const at = this.bucketOf.get(socket.id);
    if (at === undefined) return;
    this.bucketOf.delete(socket.id);
    const bucket = this.buckets.get(at);
    bucket?.delete(socket);
    if (bucket?.size === 0) this.buckets.delete(at);
  }

  get size(): number {
    return this.bucketOf.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = Date.now() / SWEEP_MS;
    for (const [at, bucket] of this.buckets) {
      if (at > now) continue;
      this.buckets.delete(at);
      for (const socket of bucket) {
        this.bucketOf.delete(socket.id);
        socket.emit('session:expired', { code: 'UNAUTHORIZED', message: 'Token expired' });
        socket.disconnect(true);
      }
    }
    if (this.buckets.size === 0) this.stop();
  }
}
