import type { Logger } from './logger';
import type { Metrics } from './metrics';
import {
  closeRedis,
  createRedisClient,
  describeTarget,
  type RedisClient,
  RedisRefusedError,
  redisRefusal,
  redisTargetOf,
  seedRefusal,
} from './redis';
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
 * Resolves 'ready', 'away' after timeoutMs, or the refusal (redisRefusal) of the first error
 * that is one: a wrong password or a failed TLS handshake shows on the first connect, at once.
 * A cluster reports its nodes' errors as "node error"; `seeds` is what its seeds said directly.
 */
function firstConnect(
  client: RedisClient,
  timeoutMs: number,
  seeds?: Promise<string | undefined>,
): Promise<'ready' | 'away' | { refusal: string }> {
  if (client.status === 'ready') return Promise.resolve('ready');
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: 'ready' | 'away' | { refusal: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('node error', onError);
      resolve(outcome);
    };
    const onReady = () => done('ready');
    const onError = (err: unknown) => {
      const refusal = redisRefusal(err);
      if (refusal) done({ refusal });
    };
    const timer = setTimeout(() => done('away'), timeoutMs);
    client.once('ready', onReady);
    client.on('error', onError);
    client.on('node error', onError);
    void seeds?.then((refusal) => refusal && done({ refusal }));
  });
}

/**
 * The process's Redis clients (REDIS_URL or REDIS_CLUSTER_NODES: a Redis or a Cluster alike),
 * or none. Redis being away at start is not fatal: the breaker keeps trying. Redis refusing
 * the credentials or the TLS handshake is: it rejects with RedisRefusedError, whose message
 * says which variable to fix, instead of retrying forever.
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
  const first = await firstConnect(
    client,
    READY_WAIT_MS,
    'clusterNodes' in target ? seedRefusal(target.clusterNodes, target.connection, READY_WAIT_MS) : undefined,
  );
  if (typeof first === 'object') {
    guard.stop();
    client.disconnect();
    throw new RedisRefusedError(`${describeTarget(target)} ${first.refusal}`);
  }
  if (first === 'away') logger.warn('redis not reachable at start; running degraded');
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
