import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisGuard } from '../infra/redis-guard';
import { CacheAside } from './cache-aside';
import { NoCache } from './no-cache';
import { RedisCache } from './redis-cache';

/**
 * Cache-aside for profiles and feed windows, live behind flag cache.enabled: in Redis when
 * there is one, else a cache that holds nothing (every read goes to the database).
 */
export function createCache(deps: {
  redisKeyPrefix: string;
  flags: FlagReader;
  metrics: Metrics;
  logger: Logger;
  redis: RedisGuard | undefined;
}): CacheAside {
  const store = deps.redis
    ? new RedisCache({ guard: deps.redis, prefix: `${deps.redisKeyPrefix}cache:` })
    : new NoCache();
  return new CacheAside({ cache: store, flags: deps.flags, metrics: deps.metrics, logger: deps.logger });
}
