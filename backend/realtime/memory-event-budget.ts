import type { BudgetSettings, EventBudget } from './event-budget';
import { TokenBucket } from './token-bucket';

/**
 * This instance's buckets, one per user. A bucket that has refilled is the same as no bucket,
 * so idle ones are dropped when the map grows: memory follows active users, not all users.
 */
export class MemoryEventBudget implements EventBudget {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastUse: number }>();
  private readonly refillMs: number;

  constructor(
    private readonly settings: BudgetSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.refillMs = (settings.burst / settings.ratePerSecond) * 1000;
  }

  take(userId: string): boolean {
    return this.takeNow(userId);
  }

  takeNow(userId: string): boolean {
    const t = this.now();
    let entry = this.buckets.get(userId);
    if (!entry) {
      if (this.buckets.size >= 10_000) this.sweep(t);
      entry = {
        bucket: new TokenBucket(this.settings.ratePerSecond, this.settings.burst, this.now),
        lastUse: t,
      };
      this.buckets.set(userId, entry);
    }
    entry.lastUse = t;
    return entry.bucket.take();
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    for (const [id, e] of this.buckets) if (t - e.lastUse >= this.refillMs) this.buckets.delete(id);
  }
}
