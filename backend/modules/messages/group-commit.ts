import { UnavailableError } from '../../errors/app-error';

/** One item's outcome, in the order the items were given to `write`. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface GroupCommitOptions<I, O> {
  /** items per batch at most */
  maxBatch: number;
  /** batches being written at once at most; 1 when absent */
  maxInFlight?: number;
  /** items waiting (not counting the batches in flight) at most; beyond it submit is refused */
  maxQueue: number;
  /**
   * Writes one batch; answers one outcome per item, same order; a throw fails every item. An
   * outcome may still be pending (a promise): the next batch is written without waiting for it.
   */
  write(batch: I[]): Promise<Array<Settled<O> | PromiseLike<Settled<O>>>>;
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
 * Natural group commit: a batch is written the moment a write slot is free (no timer, so an
 * idle instance adds no latency), and whatever arrives while every slot is busy waits for the
 * next one, so the batch grows with the load and the store sees one command per batch
 * instead of one per item. Batches are handed to `write` in submit order, up to `maxInFlight`
 * at once (the writer keeps their effects in that order); `write` may answer some outcomes as
 * still pending (the message writer's conversation updates), and the next batch is written
 * meanwhile. The queue is bounded: past `maxQueue` waiting items, submit is refused with
 * UNAVAILABLE at once, so a store slower than the arrival rate costs clients a retry, never
 * the instance its memory.
 */
export class GroupCommit<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  /** batches being written */
  private inFlight = 0;
  /** outcomes answered pending by `write` and not yet settled */
  private pending = 0;
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
      if (this.inFlight < (this.opts.maxInFlight ?? 1)) void this.run();
    });
  }

  /** resolves once nothing is queued or in flight (shutdown, tests) */
  drained(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0 && this.pending === 0;
  }

  private wakeIfIdle(): void {
    if (this.isIdle()) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async run(): Promise<void> {
    this.inFlight += 1;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.opts.onDepth?.(this.queue.length);
      this.opts.onBatch?.(batch.length);
      let results: Array<Settled<O> | PromiseLike<Settled<O>>>;
      try {
        results = await this.opts.write(batch.map((w) => w.item));
      } catch (error) {
        results = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((w, i) => {
        const r = results[i] ?? { ok: false, error: new Error('batch writer answered no result') };
        if (!isPromiseLike(r)) {
          settle(w, r);
          return;
        }
        this.pending += 1;
        void Promise.resolve(r)
          .then(
            (outcome) => settle(w, outcome),
            (error: unknown) => w.reject(error),
          )
          .finally(() => {
            this.pending -= 1;
            this.wakeIfIdle();
          });
      });
    }
    this.inFlight -= 1;
    this.wakeIfIdle();
  }
}

function settle<I, O>(w: Waiting<I, O>, r: Settled<O>): void {
  if (r.ok) w.resolve(r.value);
  else w.reject(r.error);
}

function isPromiseLike<T>(x: T | PromiseLike<T>): x is PromiseLike<T> {
  return typeof (x as { then?: unknown }).then === 'function';
}
