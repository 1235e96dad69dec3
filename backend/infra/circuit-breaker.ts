export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** share of failed calls within the window that opens the breaker */
  failureRatio?: number;
  /** calls needed in the window before the ratio is judged: one timeout must not open it */
  minimumVolume?: number;
  /**
   * failures in a row that open it whatever the window holds (default: minimumVolume): after a
   * long healthy stretch the ratio alone would wait for as many failures as there were
   * successes, seconds of timeouts when a dependency hangs (a SIGSTOPped Redis)
   */
  consecutiveFailures?: number;
  windowMs?: number;
  /** how long to stay open before letting one trial call through */
  resetTimeoutMs?: number;
  /** false = the dependency answered (a reply error is our bug, not its outage): not counted */
  isFailure?: (err: unknown) => boolean;
  /**
   * Trial call run on its own when the reset timeout elapses. Without it the breaker only
   * half-opens on the next real call, and with no traffic it would report open forever.
   */
  probe?: () => Promise<unknown>;
  now?: () => number;
}

export class BreakerOpenError extends Error {
  constructor(message = 'circuit open') {
    super(message);
    this.name = 'BreakerOpenError';
  }
}

type StateListener = (state: BreakerState, previous: BreakerState, reason: string) => void;

/**
 * Closed: calls pass and outcomes are counted over a rolling window; when at least
 * minimumVolume calls failed at failureRatio or more, or consecutiveFailures failed in a row, it
 * opens. Open: calls are refused at once.
 * After resetTimeoutMs one trial call (the probe, or the next caller) goes through half-open:
 * success closes, failure opens again. Small on purpose so every transition is testable.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  // the window's outcomes, oldest first from `head` (a queue without shift(): a connect storm
  // records tens of thousands a second), with its failures counted as they come and go
  private outcomes: Array<{ at: number; failed: boolean }> = [];
  private head = 0;
  private failuresInWindow = 0;
  private streak = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<StateListener>();
  private readonly opts: Required<Omit<CircuitBreakerOptions, 'probe'>> &
    Pick<CircuitBreakerOptions, 'probe'>;

  constructor(opts: CircuitBreakerOptions = {}) {
    this.opts = {
      failureRatio: opts.failureRatio ?? 0.5,
      minimumVolume: opts.minimumVolume ?? 5,
      consecutiveFailures: opts.consecutiveFailures ?? opts.minimumVolume ?? 5,
      windowMs: opts.windowMs ?? 10_000,
      resetTimeoutMs: opts.resetTimeoutMs ?? 1000,
      isFailure: opts.isFailure ?? (() => true),
      probe: opts.probe,
      now: opts.now ?? Date.now,
    };
  }

  get state(): BreakerState {
    return this.current;
  }

  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current === 'open') {
      if (this.opts.now() - this.openedAt < this.opts.resetTimeoutMs) throw new BreakerOpenError();
      this.transition('half-open', 'reset timeout elapsed');
    }
    if (this.current === 'half-open') {
      if (this.trialInFlight) throw new BreakerOpenError('circuit half-open: trial call in flight');
      return this.trial(fn);
    }
    try {
      const value = await fn();
      this.record(false);
      return value;
    } catch (err) {
      if (this.opts.isFailure(err)) this.record(true);
      throw err;
    }
  }

  /** Opens at once, for failures seen outside calls (a dropped connection). */
  trip(reason: string): void {
    if (this.current !== 'open') this.open(reason);
  }

  /** Runs the probe now if open (the dependency says it is back), instead of waiting the timeout. */
  probeNow(): void {
    if (this.current !== 'open' || !this.opts.probe || this.trialInFlight || this.stopped) return;
    this.transition('half-open', 'probe requested');
    void this.trial(this.opts.probe).catch(() => {});
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async trial<T>(fn: () => Promise<T>): Promise<T> {
    this.trialInFlight = true;
    try {
      const value = await fn();
      this.trialInFlight = false;
      this.close('trial call succeeded');
      return value;
    } catch (err) {
      this.trialInFlight = false;
      if (this.opts.isFailure(err)) this.open('trial call failed');
      else this.close('trial call answered');
      throw err;
    }
  }

  private record(failed: boolean): void {
    const now = this.opts.now();
    this.outcomes.push({ at: now, failed });
    if (failed) this.failuresInWindow++;
    this.streak = failed ? this.streak + 1 : 0;
    const since = now - this.opts.windowMs;
    while (this.head < this.outcomes.length && this.outcomes[this.head]!.at < since)
      if (this.outcomes[this.head++]!.failed) this.failuresInWindow--;
    if (this.head > 1024 && this.head * 2 > this.outcomes.length) {
      this.outcomes = this.outcomes.slice(this.head);
      this.head = 0;
    }
    const size = this.outcomes.length - this.head;
    if (!failed || this.current !== 'closed') return;
    // the run of failures at the window's end (older ones were forgotten with the window)
    const streak = Math.min(this.streak, size);
    if (streak >= this.opts.consecutiveFailures) {
      this.open(`${streak} calls in a row failed`);
      return;
    }
    const failures = this.failuresInWindow;
    if (size >= this.opts.minimumVolume && failures / size >= this.opts.failureRatio)
      this.open(`${failures} of ${size} calls failed`);
  }

  private forgetOutcomes(): void {
    this.outcomes = [];
    this.head = 0;
    this.failuresInWindow = 0;
    this.streak = 0;
  }

  private open(reason: string): void {
    this.openedAt = this.opts.now();
    this.forgetOutcomes();
    this.transition('open', reason);
    if (this.timer) clearTimeout(this.timer);
    if (!this.opts.probe || this.stopped) return;
    this.timer = setTimeout(() => this.probeNow(), this.opts.resetTimeoutMs);
    this.timer.unref();
  }

  private close(reason: string): void {
    this.forgetOutcomes();
    if (this.timer) clearTimeout(this.timer);
    this.transition('closed', reason);
  }

  private transition(next: BreakerState, reason: string): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    for (const l of this.listeners) {
      try {
        l(next, previous, reason);
      } catch {
        // a listener's bug must not change the breaker's decision
      }
    }
  }
}
