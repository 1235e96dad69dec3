import { ReplyError } from 'ioredis';
import { UnavailableError } from '../errors/app-error';
import {
  BreakerOpenError,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import type { RedisClient } from './redis';

/** What every caller of the fail-fast client catches to fall back: Redis is away, act without it. */
export class RedisUnavailableError extends UnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Redis unavailable: ${message}`);
    this.name = 'RedisUnavailableError';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

// Reply errors mean Redis answered, so it is up (WRONGTYPE, NOSCRIPT are our bugs or normal
// flow); these few mean it answered "cannot serve now" and count like a timeout.
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN)\b/;

export function isRedisOutage(err: unknown): boolean {
  if (err instanceof ReplyError) return UNAVAILABLE_REPLY.test((err as Error).message);
  return true;
}

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The fail-fast client behind a circuit breaker. Presence, cache, rate limits and flag publishes
 * run their commands through run(); while Redis is away they get RedisUnavailableError within
 * the command timeout, or at once when the breaker is open, and use their fallback.
 */
export class RedisGuard {
  private readonly breaker: CircuitBreaker;
  private stopped = false;

  constructor(
    readonly client: RedisClient,
    private readonly deps: {
      logger: Logger;
      metrics?: Pick<Metrics, 'redisDuration' | 'breakerState'>;
      name?: string;
      breaker?: Omit<CircuitBreakerOptions, 'isFailure' | 'probe'>;
    },
  ) {
    const name = deps.name ?? 'fail-fast';
    this.breaker = new CircuitBreaker({
      ...deps.breaker,
      isFailure: isRedisOutage,
      probe: () => this.client.ping(),
    });
    deps.metrics?.breakerState.set({ breaker: name }, 0);
    this.breaker.onStateChange((state, previous, reason) => {
      deps.metrics?.breakerState.set({ breaker: name }, STATE_VALUE[state]);
      const log = state === 'open' ? deps.logger.warn.bind(deps.logger) : deps.logger.info.bind(deps.logger);
      log({ redis: name, breaker: state, previous, reason }, `redis breaker ${state}`);
    });
    // A dropped connection fails every command until it is back: open now rather than
    // after minimumVolume callers each waited for their error. Ready again = probe now.
    client.on('close', () => {
      if (!this.stopped) this.breaker.trip('connection closed');
    });
    client.on('ready', () => this.breaker.probeNow());
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  onStateChange(listener: (state: BreakerState, previous: BreakerState, reason: string) => void): () => void {
    return this.breaker.onStateChange(listener);
  }

  async run<T>(command: (redis: RedisClient) => Promise<T>): Promise<T> {
    let started = 0;
    const observe = (outcome: 'ok' | 'error') =>
      this.deps.metrics?.redisDuration.observe(
        { client: this.deps.name ?? 'fail-fast', outcome },
        (performance.now() - started) / 1000,
      );
    try {
      const value = await this.breaker.run(() => {
        started = performance.now();
        return command(this.client);
      });
      observe('ok');
      return value;
    } catch (err) {
      // refused by the open breaker: no command ran, so no duration to observe
      if (err instanceof BreakerOpenError) throw new RedisUnavailableError(err.message, { cause: err });
      observe('error');
      if (isRedisOutage(err)) throw new RedisUnavailableError((err as Error).message, { cause: err });
      throw err;
    }
  }

  /**
   * Resolves when the client is connected or after timeoutMs, whichever is first: a start with
   * Redis away goes on degraded instead of failing, but a normal start does not race the connect.
   */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.once('ready', onReady);
    });
  }

  /** Round trip through the breaker, for /health. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.run((r) => r.ping());
    return performance.now() - started;
  }

  stop(): void {
    this.stopped = true;
    this.breaker.stop();
  }
}
