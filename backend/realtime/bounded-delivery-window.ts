import type { DeliveryWindow, FirstArrival } from './delivery-window';

export interface DeliveryWindowSettings {
  /** most ids kept; an arrival beyond it pushes out the oldest */
  capacity: number;
  /** how long an id is remembered, in ms */
  ttlMs: number;
  /** each id as it leaves the window, with its first arrival and how many repeats were dropped */
  onEvict?: (id: string, first: FirstArrival) => void;
}

/**
 * A DeliveryWindow in one insertion-ordered Map: ids arrive in time order, so the oldest is
 * always first and eviction is O(1) per id. Memory is at most `capacity` entries whatever
 * the broadcast rate.
 */
export class BoundedDeliveryWindow implements DeliveryWindow {
  private readonly seen = new Map<string, FirstArrival>();

  constructor(private readonly settings: DeliveryWindowSettings) {
    if (settings.capacity < 1) throw new RangeError('capacity must be at least 1');
  }

  get size(): number {
    return this.seen.size;
  }

  arrive(id: string, via: string, at: number): FirstArrival | undefined {
    const first = this.seen.get(id);
    if (first && first.at > at - this.settings.ttlMs) {
      first.repeats += 1;
      return first;
    }
    if (first) this.evict(id, first);
    this.sweep(at);
    while (this.seen.size >= this.settings.capacity) this.evictOldest();
    this.seen.set(id, { via, at, repeats: 0 });
    return undefined;
  }

  sweep(now: number): void {
    const oldest = now - this.settings.ttlMs;
    for (const [id, first] of this.seen) {
      if (first.at > oldest) return;
      this.evict(id, first);
    }
  }

  clear(): void {
    for (const [id, first] of this.seen) this.evict(id, first);
  }

  private evictOldest(): void {
    const next = this.seen.entries().next();
    if (!next.done) this.evict(next.value[0], next.value[1]);
  }

  private evict(id: string, first: FirstArrival): void {
    this.seen.delete(id);
    this.settings.onEvict?.(id, first);
  }
}
