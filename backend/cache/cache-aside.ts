import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { Cache } from './cache';

export type CacheResult = 'hit' | 'miss' | 'error';

export interface CacheAsideOptions {
  /** share of the TTL added or taken at random, so entries filled together expire apart */
  jitterRatio?: number;
  /**
   * A second DEL this long after each invalidation (0 = none). Another instance may have been
   * loading the old value when the first DEL ran and store it afterwards; the second DEL removes
   * it, so that race leaves stale data for about this long instead of a whole TTL.
   */
  redeleteAfterMs?: number;
  /** keys whose DEL failed (Redis away), kept for a retry; beyond this the oldest are dropped */
  maxPendingInvalidations?: number;
  /** how often failed invalidations are retried until they succeed */
  retryPendingEveryMs?: number;
  random?: () => number;
  now?: () => number;
}

/** ttlSeconds ± ratio, uniformly: entries filled in one burst do not all expire in one burst. */
export function jitteredTtl(ttlSeconds: number, ratio: number, random: () => number = Math.random): number {
  return ttlSeconds * (1 + ratio * (2 * random() - 1));
}

interface Flight {
  promise: Promise<unknown>;
  /** what the cache lookup said; every caller sharing the flight is counted with it */
  result: CacheResult;
}

/**
 * Cache-aside over any Cache: getOrLoad reads the cache, and on a miss runs the loader (the
 * database) and stores its JSON for the flag's TTL plus jitter.
 *
 * - Live flags: cache.enabled and cache.ttlSeconds are read on every call; off = the loader
 *   every time, exactly the uncached behaviour.
 * - Single flight: concurrent calls for one key on this instance share one lookup and one
 *   loader run, so a popular key expiring does not send every request to the database.
 * - Fail-open: a cache error (Redis down, breaker open) runs the loader and counts the lookup as
 *   result="error"; requests never fail because of the cache.
 * - Invalidation: invalidate(keys) deletes the entries and detaches any load of those keys in
 *   flight here. The detached flight is the key's old generation: it still answers the callers
 *   that joined it before the write, but it may hold pre-write data, so it never stores it.
 *   Other instances' loads are out of reach: see redeleteAfterMs and docs/cache.md.
 */
export class CacheAside {
  private readonly flights = new Map<string, Flight>();
  /** failed invalidations: key → attempt number, so a retry only clears what it covered */
  private readonly pending = new Map<string, number>();
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly redeletes = new Set<NodeJS.Timeout>();
  /** entries (ours or another process's) may exist until then even with the flag off */
  private entriesUntil: number;
  private maxTtlSeen: number;
  private readonly unsubscribe: () => void;
  private readonly opts: Required<CacheAsideOptions>;

  constructor(
    private readonly deps: {
      cache: Cache;
      flags: FlagReader;
      metrics: Pick<Metrics, 'cacheRequests'>;
      logger: Logger;
    },
    options: CacheAsideOptions = {},
  ) {
    this.opts = {
      jitterRatio: options.jitterRatio ?? 0.1,
      redeleteAfterMs: options.redeleteAfterMs ?? 1000,
      maxPendingInvalidations: options.maxPendingInvalidations ?? 10_000,
      retryPendingEveryMs: options.retryPendingEveryMs ?? 1000,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
    this.maxTtlSeen = deps.flags.get('cache.ttlSeconds');
    // A previous process, or another instance, may have filled entries that are still alive:
    // keep invalidating for one TTL after start even if the flag is off here.
    this.entriesUntil = this.lifetimeFromNow();
    this.unsubscribe = deps.flags.onChange((name, value) => {
      if (name === 'cache.enabled' && value === false) this.entriesUntil = this.lifetimeFromNow();
    });
  }

  /** the flag in force now: callers with a cheaper uncached path take it when off */
  enabled(): boolean {
    return this.deps.flags.get('cache.enabled');
  }

  /**
   * Whether an entry can exist now: the flag is on, or was on (or this process started) less
   * than one TTL ago. While false, writers may skip invalidation work such as a follower scan.
   */
  mayHoldEntries(): boolean {
    return this.enabled() || this.opts.now() < this.entriesUntil;
  }

  async getOrLoad<T>(key: string, loader: () => Promise<T>, opts: { ttlSeconds?: number } = {}): Promise<T> {
    if (!this.enabled()) return loader();
    const ttlSeconds = opts.ttlSeconds ?? this.deps.flags.get('cache.ttlSeconds');
    this.maxTtlSeen = Math.max(this.maxTtlSeen, ttlSeconds);
    let flight = this.flights.get(key);
    if (!flight) {
      const own: Flight = { promise: Promise.resolve(), result: 'miss' };
      this.flights.set(key, own);
      own.promise = this.fly(key, own, loader, ttlSeconds);
      flight = own;
    }
    try {
      return (await flight.promise) as T;
    } finally {
      this.deps.metrics.cacheRequests.inc({ cache: kindOf(key), result: flight.result });
    }
  }

  /**
   * Call after the database write, before answering: entries are deleted and loads in flight
   * here will not store what they read. A Redis failure is kept and retried on a timer until it
   * succeeds (reads of those keys here bypass the cache meanwhile); the write never fails for it.
   */
  async invalidate(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    for (const key of keys) this.flights.delete(key);
    if (!this.mayHoldEntries()) return;
    await this.deleteNow(keys);
    if (this.opts.redeleteAfterMs > 0) {
      const timer = setTimeout(() => {
        this.redeletes.delete(timer);
        void this.deleteNow(keys);
      }, this.opts.redeleteAfterMs);
      timer.unref();
      this.redeletes.add(timer);
    }
  }

  /** invalidations that have not reached the cache yet (Redis was away) */
  get pendingInvalidations(): number {
    return this.pending.size;
  }

  /** second deletes still to run (tests wait for them to settle before counting hits) */
  get redeletesScheduled(): number {
    return this.redeletes.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.unsubscribe();
    for (const t of this.redeletes) clearTimeout(t);
    this.redeletes.clear();
  }

  private async fly<T>(
    key: string,
    flight: Flight,
    loader: () => Promise<T>,
    ttlSeconds: number,
  ): Promise<T> {
    try {
      if (this.pending.has(key)) {
        // an invalidation of this key never reached the cache: what it holds may be stale
        flight.result = 'error';
        return await loader();
      }
      let raw: string | undefined;
      try {
        raw = await this.deps.cache.get(key);
      } catch (err) {
        flight.result = 'error';
        this.deps.logger.debug({ err, key }, 'cache read failed; reading the database');
        return await loader();
      }
      if (raw !== undefined) {
        try {
          const cached = JSON.parse(raw) as T;
          flight.result = 'hit';
          return cached;
        } catch {
          // not JSON (written by something else): load and overwrite it
        }
      }
      const value = await loader();
      const json = JSON.stringify(value);
      // Detached by an invalidation while loading: the value may predate the write.
      if (json !== undefined && this.flights.get(key) === flight && !this.pending.has(key)) {
        try {
          await this.deps.cache.set(
            key,
            json,
            jitteredTtl(ttlSeconds, this.opts.jitterRatio, this.opts.random),
          );
        } catch (err) {
          this.deps.logger.debug({ err, key }, 'cache fill failed');
        }
      }
      return value;
    } finally {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    }
  }

  private async deleteNow(keys: readonly string[]): Promise<void> {
    try {
      await this.deps.cache.del(keys);
      for (const key of keys) this.pending.delete(key);
    } catch (err) {
      this.remember(keys, err);
    }
  }

  private remember(keys: readonly string[], err: unknown): void {
    if (this.pending.size === 0)
      this.deps.logger.warn(
        { err: (err as Error).message, keys: keys.length },
        'cache invalidation failed; retrying, and reading those keys from the database until it succeeds',
      );
    this.attempt += 1;
    for (const key of keys) {
      this.pending.delete(key);
      this.pending.set(key, this.attempt);
    }
    this.scheduleRetry();
    let over = this.pending.size - this.opts.maxPendingInvalidations;
    if (over <= 0) return;
    this.deps.logger.warn(
      { dropped: over },
      'too many failed cache invalidations to remember; the dropped keys may be stale until their TTL',
    );
    for (const key of this.pending.keys()) {
      if (over-- <= 0) break;
      this.pending.delete(key);
    }
  }

  // On a timer, not on the next request: other instances read the stale entries too, and
  // they cannot know that this one failed to delete them.
  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped || this.pending.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.retryPending();
    }, this.opts.retryPendingEveryMs);
    this.retryTimer.unref();
  }

  private async retryPending(): Promise<void> {
    const batch = [...this.pending];
    try {
      await this.deps.cache.del(batch.map(([key]) => key));
      // a key that failed again meanwhile has a newer attempt number and stays pending
      for (const [key, attempt] of batch) if (this.pending.get(key) === attempt) this.pending.delete(key);
      this.deps.logger.info({ keys: batch.length }, 'failed cache invalidations applied');
    } catch {
      // still away: try again later
    }
    this.scheduleRetry();
  }

  private lifetimeFromNow(): number {
    const ttl = Math.max(this.maxTtlSeen, this.deps.flags.get('cache.ttlSeconds'));
    return this.opts.now() + ttl * (1 + this.opts.jitterRatio) * 1000;
  }
}

/** metrics label: the key's first segment ("profile:v1:…" → profile) */
function kindOf(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
}
