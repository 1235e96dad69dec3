/**
 * Writes to Redis that a caller could not make while it was away, kept by key and sent again
 * every `everyMs` until one attempt takes them all. Meanwhile `has(key)` tells the caller to
 * read that key's truth from the store, since the shared copy may be stale. Each write must
 * be idempotent: an attempt that fails half-way sends everything again.
 */
export class PendingSharedWrites<V> {
  private readonly pending = new Map<string, V>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly send: (writes: ReadonlyMap<string, V>) => Promise<void>,
    private readonly everyMs = 1000,
  ) {}

  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Keeps the write (the newest value per key wins) and starts the retries. */
  add(key: string, value: V): void {
    this.pending.set(key, value);
    this.timer ??= setInterval(() => void this.retry(), this.everyMs).unref();
  }

  /** A later write of the key reached Redis itself: nothing is owed for it. */
  delete(key: string): void {
    this.pending.delete(key);
  }

  private async retry(): Promise<void> {
    const writes = new Map(this.pending);
    try {
      await this.send(writes);
    } catch {
      return; // still away: the next tick tries again
    }
    // a key written again meanwhile keeps its newer value for the next tick
    for (const [key, value] of writes) if (this.pending.get(key) === value) this.pending.delete(key);
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
