import { withoutEmptyValues } from '../../backend/config/config';
import { parseRedisConnection } from '../../backend/config/redis-connection';
import { createLogger } from '../../backend/infra/logger';
import { closeRedis, createRedisClient, type RedisTarget } from '../../backend/infra/redis';
import { listInstances } from '../../backend/instances/instance-heartbeat';

/** The options every verify:* command takes, beside its own. */
export const VERIFY_OPTIONS = {
  'redis-url': { type: 'string' },
  prefix: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The exit code of a consistency report: 1 when an instance did not answer, or when --min is
 * given and the cluster is below it (or has compared nothing), else 0.
 */
export function consistencyExit(
  report: { unreachable: number; percent: number | null },
  min?: string,
): number {
  if (report.unreachable > 0) return 1;
  if (min !== undefined && (report.percent === null || report.percent < Number(min))) return 1;
  return 0;
}

interface VerifyOptions {
  'redis-url'?: string;
  prefix?: string;
  token?: string;
  help?: boolean;
}

/**
 * What every verify:* command does before asking the instances: parse its options, find the
 * admin token and the instances (the URLs given, else the live ones from the heartbeats).
 * A number is the exit code to stop with: 0 after --help, 1 when no instance is live,
 * 2 on bad usage.
 */
export async function verifyStart<V extends VerifyOptions>(
  args: string[],
  usage: string,
  parse: (args: string[]) => { values: V; positionals: string[] },
  out: (line: string) => void,
): Promise<{ values: V; token: string; urls: string[] } | number> {
  let parsed: { values: V; positionals: string[] };
  try {
    parsed = parse(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(usage);
    return 0;
  }
  const token = values.token ?? process.env.ADMIN_TOKEN;
  if (!token) {
    process.stderr.write(`no admin token: set ADMIN_TOKEN or pass --token\n${usage}`);
    return 2;
  }
  if (positionals.length > 0) return { values, token, urls: positionals };
  const found = await instanceUrls(values['redis-url'], values.prefix);
  if (typeof found === 'string') {
    process.stderr.write(found.startsWith('no live') ? `${found}\n` : `${found}\n${usage}`);
    return found.startsWith('no live') ? 1 : 2;
  }
  return { values, token, urls: found };
}

/**
 * The addresses of the live instances, from their heartbeats in Redis (REDIS_URL or --redis-url,
 * or REDIS_CLUSTER_NODES), or why they cannot be had: a usage problem, or 'no live …'.
 */
export async function instanceUrls(
  redisUrl: string | undefined,
  prefixArg: string | undefined,
): Promise<string[] | string> {
  // the server's own parsing: the login and TLS variables apply, and the URL shown has no password
  const redis = parseRedisConnection(
    withoutEmptyValues({ ...process.env, REDIS_URL: redisUrl ?? process.env.REDIS_URL }),
  );
  if (redis.problems.length > 0) return redis.problems.join('\n');
  const { connection } = redis;
  const target: RedisTarget | undefined = redis.url
    ? { url: redis.url, connection }
    : redis.clusterNodes
      ? { clusterNodes: redis.clusterNodes, connection }
      : undefined;
  if (!target)
    return 'no instances: pass their URLs, or REDIS_URL / --redis-url / REDIS_CLUSTER_NODES to find them';
  const prefix = prefixArg ?? process.env.REDIS_KEY_PREFIX ?? 'social:';
  const urls = await liveInstanceUrls(target, prefix);
  return urls.length > 0 ? urls : `no live instance with an address under prefix ${prefix}`;
}

async function liveInstanceUrls(target: RedisTarget, prefix: string): Promise<string[]> {
  const logger = createLogger({ level: 'silent', instanceId: 'verify-presence', version: '0' });
  const redis = createRedisClient(target, 'fail-fast', logger, 'verify-presence');
  const where = 'url' in target ? target.url : 'the Redis Cluster';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis at ${where} not reachable`)), 5000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const live = await listInstances(redis, prefix);
    return live.flatMap((i) => (i.url ? [i.url] : []));
  } finally {
    await closeRedis(redis);
  }
}
