import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from '../config/redis-connection';
import type { Logger } from './logger';

/** A single Redis or a Redis Cluster: every Redis feature takes either (docs/redis-cluster.md). */
export type RedisClient = Redis | Cluster;

/**
 * Where Redis is: REDIS_URL, or the seed nodes of REDIS_CLUSTER_NODES; with the credentials
 * and TLS every connection to it uses (config.redisConnection), if any.
 */
export type RedisTarget = ({ url: string } | { clusterNodes: Array<{ host: string; port: number }> }) & {
  connection?: RedisConnection | undefined;
};

/** The target configured, if any; REDIS_CLUSTER_NODES and REDIS_URL are never both set (config). */
export function redisTargetOf(config: {
  redisUrl: string | undefined;
  redisClusterNodes: Array<{ host: string; port: number }> | undefined;
  redisConnection?: RedisConnection | undefined;
}): RedisTarget | undefined {
  const connection = config.redisConnection;
  if (config.redisClusterNodes) return { clusterNodes: config.redisClusterNodes, connection };
  return config.redisUrl ? { url: config.redisUrl, connection } : undefined;
}

/**
 * The ioredis options of a connection's credentials and TLS. On a cluster they go in
 * redisOptions, which ioredis applies to every node it discovers, its pub/sub and sharded
 * subscriber connections included; duplicate() (the streams adapter) copies them.
 */
export function connectionOptions(c: RedisConnection | undefined): RedisOptions {
  if (!c) return {};
  const tls = c.tls && {
    ...(c.tls.ca ? { ca: c.tls.ca } : {}),
    ...(c.tls.servername ? { servername: c.tls.servername } : {}),
  };
  return {
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(tls ? { tls } : {}),
  };
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
  const secure = connectionOptions(t.connection);
  let client: RedisClient;
  if ('url' in t) client = new Redis(t.url, { ...redisOptions(role), ...secure, connectionName: name });
  else {
    const options = clusterOptions(role, name);
    client = new Cluster(t.clusterNodes, {
      ...options,
      redisOptions: { ...options.redisOptions, ...secure },
    });
  }
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

/** Redis refused to serve this process for good: the start stops with a message saying what to fix. */
export class RedisRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisRefusedError';
  }
}

// OpenSSL's certificate verification failures, as Node names them in err.code
const CERT_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);
const NAME_CODES = new Set(['HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/**
 * Why Redis refused this client for good, or undefined for an outage that retrying may cure:
 * wrong or missing credentials, an ACL user lacking a permission, a TLS handshake that failed.
 * Retrying those never helps, so a start that meets one stops instead of running degraded.
 * Looks through a cluster's "all nodes failed" error to the node's own. The texts are Redis's
 * and Node's, which never contain the password.
 */
export function redisRefusal(err: unknown, depth = 0): string | undefined {
  // not instanceof Error: Node's own TLS errors may come from another realm (a test VM)
  if (typeof err !== 'object' || err === null || depth > 3) return undefined;
  const message = String((err as { message?: unknown }).message ?? '');
  const code = String((err as { code?: unknown }).code ?? '');
  if (/^(WRONGPASS|ERR invalid (username-)?password)/.test(message))
    return `refused the credentials (${message}): check REDIS_USERNAME and REDIS_PASSWORD, or the user:password in REDIS_URL / REDIS_CLUSTER_NODES`;
  if (/^NOAUTH\b/.test(message))
    return `requires a password (${message}): set REDIS_PASSWORD (and REDIS_USERNAME for an ACL user), or user:password@ in REDIS_URL / REDIS_CLUSTER_NODES`;
  if (/^NOPERM\b/.test(message))
    return `refused a command to this user (${message}): give the ACL user the commands, keys and channels of docs/security.md "Redis credentials and TLS"`;
  if (CERT_CODES.has(code))
    return `sent a certificate this process does not trust (${message}, ${code}): set REDIS_TLS_CA_FILE to the CA that signed it`;
  if (NAME_CODES.has(code))
    return `sent a certificate for another name (${message}): connect by a name it carries, or set REDIS_TLS_SERVERNAME to one`;
  // a handshake that timed out is a slow or away server, retried like any outage
  if (/^ERR_(SSL|TLS)_/.test(code) && code !== 'ERR_TLS_HANDSHAKE_TIMEOUT')
    return `failed the TLS handshake (${message.split('\n')[0]}, ${code}): is that port TLS (rediss://, REDIS_TLS=true) and does it require a client certificate?`;
  const inner = (err as { lastNodeError?: unknown }).lastNodeError ?? (err as { cause?: unknown }).cause;
  return redisRefusal(inner, depth + 1);
}

/**
 * The refusal of a few cluster seeds asked directly, once, or undefined when they answer, are
 * away, or timeoutMs passes. A Cluster hides it: its slot-map connection swallows a node's TLS
 * error and reports "Connection is closed.", which looks like an outage.
 */
export function seedRefusal(
  nodes: Array<{ host: string; port: number }>,
  connection: RedisConnection | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probes = nodes.slice(0, 3).map(
      (n) =>
        new Redis({
          host: n.host,
          port: n.port,
          ...connectionOptions(connection),
          lazyConnect: true,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          connectTimeout: timeoutMs,
          connectionName: 'seed-check',
        }),
    );
    let pending = probes.length;
    let finished = false;
    const finish = (refusal: string | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(refusal);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    for (const p of probes) {
      // Each probe ends by itself: refused or away, it does not retry; answered, it is closed
      // here. Closing one mid-handshake could make its TLS socket emit an error nobody hears.
      p.on('error', (err: unknown) => {
        const refusal = redisRefusal(err);
        if (refusal) finish(refusal);
      });
      p.once('ready', () => p.disconnect());
      p.once('end', () => {
        pending -= 1;
        if (pending === 0) finish(undefined);
      });
      p.connect().catch(() => {});
    }
  });
}

/** host:port of the target (no credentials), for messages. */
export function describeTarget(target: RedisTarget): string {
  if ('clusterNodes' in target)
    return `Redis Cluster (${target.clusterNodes.map((n) => `${n.host}:${n.port}`).join(',')})`;
  try {
    const u = new URL(target.url);
    return `Redis at ${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'Redis';
  }
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
