import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger';

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

export function redisOptions(role: RedisRole): RedisOptions {
  const base: RedisOptions = { lazyConnect: false, connectionName: undefined };
  if (role === 'fail-fast')
    return {
      ...base,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      // bounded backoff: 50 ms doubling to 2 s, forever; callers fail fast meanwhile
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    };
  if (role === 'subscriber') return { ...base, retryStrategy: (times) => Math.min(100 * times, 2000) };
  return base;
}

export function createRedisClient(url: string, role: RedisRole, logger: Logger, name: string): Redis {
  const client = new Redis(url, { ...redisOptions(role), connectionName: name });
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
export async function closeRedis(client: Redis): Promise<void> {
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
