import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { closeRedis, createRedisClient, type RedisClient, redisTargetOf } from './redis';
import { RedisGuard } from './redis-guard';

/** How long the start waits for Redis before running degraded. */
const READY_WAIT_MS = 2000;

export interface RedisClients {
  /** the fail-fast client behind the circuit breaker: cache, presence, limits; none without Redis */
  guard: RedisGuard | undefined;
  /** the flag-change subscriber */
  subscriber: RedisClient | undefined;
  /** a new client with library defaults for the Socket.IO adapter (never a command timeout) */
  adapterClient: ((name: string) => RedisClient) | undefined;
  close(): Promise<void>;
}

/**
 * The process's Redis clients (REDIS_URL or REDIS_CLUSTER_NODES: a Redis or a Cluster alike),
 * or none. Redis being away at start is not fatal: the breaker keeps trying.
 */
export async function createRedisClients(deps: {
  config: Parameters<typeof redisTargetOf>[0];
  logger: Logger;
  metrics: Metrics;
}): Promise<RedisClients> {
  const { logger } = deps;
  const target = redisTargetOf(deps.config);
  if (!target)
    return { guard: undefined, subscriber: undefined, adapterClient: undefined, close: async () => {} };
  const client = createRedisClient(target, 'fail-fast', logger, 'fail-fast');
  const guard = new RedisGuard(client, { logger, metrics: deps.metrics });
  if (!(await guard.waitUntilReady(READY_WAIT_MS)))
    logger.warn('redis not reachable at start; running degraded');
  const subscriber = createRedisClient(target, 'subscriber', logger, 'flag-subscriber');
  return {
    guard,
    subscriber,
    adapterClient: (name) => createRedisClient(target, 'adapter', logger, name),
    close: async () => {
      await closeRedis(subscriber);
      guard.stop();
      await closeRedis(client);
    },
  };
}
