import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger';

/** A single Redis or a Redis Cluster: every Redis feature takes either (docs/redis-cluster.md). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, or the seed nodes of REDIS_CLUSTER_NODES. */
export type RedisTarget = { url: string } | { clusterNodes: Array<{ host: string; port: number }> };

/** The target configured, if any; REDIS_CLUSTER_NODES and REDIS_URL are never both set (config). */
export function redisTargetOf(config: {
  redisUrl: string | undefined;
  redisClusterNodes: Array<{ host: string; port: number }> | undefined;
}): RedisTarget | undefined {
  if (config.redisClusterNodes) return { clusterNodes: config.redisClusterNodes };
  return config.redisUrl ? { url: config.redisUrl } : undefined;
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Three roles, each with the options its job needs:
 * - fail-fast: cache, presence, rate limits. No offline queue and a short command timeout,
 *   so a Redis outage turns into a quick error the caller falls back from, never a hang.
 * - adapter: Socket.IO adapter pub/sub and streams. Library defaults; never a command
 *   timeout, which would break XREAD BLOCK and subscriber connections.
 * - subscriber: flag-change messages; reconnects forever, resubscribes on its own.
 */
export type RedisRole = 'fail-fast' | 'adapter' | 'subscriber';

const COMMAND_TIMEOUT_MS = 500;

// bounded backoff: 50 ms doubling to 2 s, forever; callers fail fast meanwhile
const failFastRetry = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000);
const subscriberRetry = (times: number) => Math.min(100 * times, 2000);

export function redisOptions(role: RedisRole): RedisOptions {
  const base: RedisOptions = { lazyConnect: false, connectionName: undefined };
  if (role === 'fail-fast')
    return {
      ...base,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: failFastRetry,
    };
  if (role === 'subscriber') return { ...base, retryStrategy: subscriberRetry };
  return base;
}

/**
 * The same roles on a cluster. The cluster, not each node connection, reconnects and queues,
 * so retryStrategy and enableOfflineQueue move to the cluster level; the timeouts stay per
 * node. The adapter role subscribes sharded channels on each shard's master itself
 * (shardedSubscribers), which SSUBSCRIBE needs: a shard only delivers its own channels.
 */
export function clusterOptions(role: RedisRole, name: string): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, ...node } = redisOptions(role);
  const retry = retryStrategy as ((times: number) => number) | undefined;
  return {
    lazyConnect,
    ...(retry ? { clusterRetryStrategy: retry } : {}),
    ...(enableOfflineQueue === false ? { enableOfflineQueue: false } : {}),
    redisOptions: { ...node, connectionName: name },
    ...(role === 'adapter' ? { shardedSubscribers: true } : {}),
  };
}

export function createRedisClient(
  target: string | { url: string },
  role: RedisRole,
  logger: Logger,
  name: string,
): Redis;
export function createRedisClient(
  target: RedisTarget,
  role: RedisRole,
  logger: Logger,
  name: string,
): RedisClient;
export function createRedisClient(
  target: RedisTarget | string,
  role: RedisRole,
  logger: Logger,
  name: string,
): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const client: RedisClient =
    'url' in t
      ? new Redis(t.url, { ...redisOptions(role), connectionName: name })
      : new Cluster(t.clusterNodes, clusterOptions(role, name));
  let lastError = '';
  // Without an error listener ioredis reports every failed reconnect as an unhandled error.
  client.on('error', (err: Error) => {
    if (err.message !== lastError) logger.warn({ redis: name, err: err.message }, 'redis error');
    lastError = err.message;
  });
  client.on('ready', () => {
    if (lastError) logger.info({ redis: name }, 'redis ready again');
    lastError = '';
  });
  return client;
}

/** quit() politely, disconnect() if Redis is unreachable so shutdown never waits on it. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => client.disconnect()),
    new Promise((r) => {
      timer = setTimeout(r, 1000);
    }),
  ]);
  // a pending timer would keep a test process (or a shutting-down one) alive for its second
  clearTimeout(timer);
  client.disconnect();
}
