import { CacheAside, type CacheAsideOptions } from '../../backend/cache/cache-aside';
import { RedisCache } from '../../backend/cache/redis-cache';
import type { FlagValues } from '../../backend/config/features';
import type { StaticFlags } from '../../backend/flags/static-flags';
import { createMetrics, type Metrics } from '../../backend/infra/metrics';
import { closeRedis, type RedisClient, type RedisTarget } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { failFastClient, freshPrefix, presenceFlags, silentLogger } from './presence-stores';

export interface CacheKit {
  redis: RedisClient;
  guard: RedisGuard;
  cache: RedisCache;
  prefix: string;
  flags: StaticFlags;
  metrics: Metrics;
  /** a cache-aside over this kit's cache, flags and metrics, as services.ts builds it */
  aside(opts?: CacheAsideOptions): CacheAside;
  /** what Redis holds for a cache key, read around the cache (undefined = nothing) */
  raw(key: string): Promise<string | undefined>;
  pttl(key: string): Promise<number>;
  close(): Promise<void>;
}

/** The Redis cache exactly as services.ts wires it (fail-fast client, breaker), on a fresh prefix. */
export async function cacheKit(
  redisUrl: string | RedisTarget,
  opts: { flags?: Partial<FlagValues>; prefix?: string } = {},
): Promise<CacheKit> {
  const redis = await failFastClient(redisUrl);
  const guard = new RedisGuard(redis, { logger: silentLogger });
  const prefix = opts.prefix ?? `${freshPrefix()}cache:`;
  const cache = new RedisCache({ guard, prefix });
  const flags = presenceFlags({ 'cache.enabled': true, ...opts.flags });
  const metrics = createMetrics();
  const asides: CacheAside[] = [];
  return {
    redis,
    guard,
    cache,
    prefix,
    flags,
    metrics,
    aside: (o) => {
      const a = new CacheAside({ cache, flags, metrics, logger: silentLogger }, o);
      asides.push(a);
      return a;
    },
    raw: async (key) => (await redis.get(prefix + key)) ?? undefined,
    pttl: (key) => redis.pttl(prefix + key),
    close: async () => {
      for (const a of asides) a.stop();
      guard.stop();
      await closeRedis(redis);
    },
  };
}

/** one cache-lookup counter value (0 when never counted) */
export async function lookups(metrics: Metrics, labels: { cache?: string; result: string }): Promise<number> {
  const { values } = await metrics.cacheRequests.get();
  return values
    .filter((v) => v.labels.result === labels.result && (!labels.cache || v.labels.cache === labels.cache))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A promise with its resolve in hand: a loader that waits until the test lets it finish. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
