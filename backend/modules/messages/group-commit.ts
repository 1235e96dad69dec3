import { UnavailableError } from '../../errors/app-error';

/** One item's outcome, in the order the items were given to `write`. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** items per batch at most */
  maxBatch: number;
  /** items waiting (not counting the batch in flight) at most; beyond it submit is refused */
  maxQueue: number;
  /** writes one batch; answers one Settled per item, same order; a throw fails every item */
  write(batch: I[]): Promise<Array<Settled<O>>>;
  onBatch?(size: number): void;
  onDepth?(depth: number): void;
  onReject?(): void;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Natural group commit: a batch is written the moment nothing is in flight (no timer, so an
 * idle instance adds no latency), and whatever arrives while it is in flight waits for the
 * next one, so the batch grows with the load and the store sees one command per batch
 * instead of one per item. One batch in flight at a time keeps the items in submit order
 * across batches. The queue is bounded: past `maxQueue` waiting items, submit is refused
 * with UNAVAILABLE at once, so a store slower than the arrival rate costs clients a retry,
 * never the instance its memory.
 */
export class GroupCommit<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private inFlight = false;
  private idle: Array<() => void> = [];

  constructor(private readonly opts: GroupCommitOptions<I, O>) {}

  /** items waiting for a batch (the one in flight excluded) */
  get depth(): number {
    return this.queue.length;
  }

  submit(item: I): Promise<O> {
    if (this.queue.length >= this.opts.maxQueue) {
      this.opts.onReject?.();
      return Promise.reject(new UnavailableError('Too many messages in flight, try again'));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.opts.onDepth?.(this.queue.length);
      if (!this.inFlight) void this.run();
    });
  }

  /** resolves once nothing is queued or in flight (shutdown, tests) */
  drained(): Promise<void> {
    if (!this.inFlight && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(): Promise<void> {
    this.inFlight = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.opts.onDepth?.(this.queue.length);
      this.opts.onBatch?.(batch.length);
      let results: Array<Settled<O>>;
      try {
        results = await this.opts.write(batch.map((w) => w.item));
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((w, i) => {
        const r = results[i] ?? { ok: false, error: new Error('batch writer answered no result') };
        if (r.ok) w.resolve(r.value);
        else w.reject(r.error);
      });
    }
    this.inFlight = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
