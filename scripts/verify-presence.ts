import { parseArgs } from 'node:util';
import { withoutEmptyValues } from '../backend/config/config';
import { parseRedisConnection } from '../backend/config/redis-connection';
import { createLogger } from '../backend/infra/logger';
import { closeRedis, createRedisClient, type RedisTarget } from '../backend/infra/redis';
import { listInstances } from '../backend/instances/instance-heartbeat';
import { clusterConsistency, consistencyTable, formatPercent } from './presence/cluster-consistency';

const USAGE = `usage: npm run verify:presence -- [options] [instance-url ...]

Asks every live instance for its presence shadow-read tally and prints the consistency
across the cluster. Instances come from the heartbeats in Redis (REDIS_URL, or
REDIS_CLUSTER_NODES on a Redis Cluster, and REDIS_KEY_PREFIX) unless URLs are given.

  --redis-url URL   Redis with the heartbeats (default $REDIS_URL)
  --prefix P        key prefix (default $REDIS_KEY_PREFIX or social:)
  --token T         admin token (default $ADMIN_TOKEN)
  --min PERCENT     exit 1 when the cluster is below this (default: report only)
  --json            print the report as JSON
`;

/** Exit code 0 when every instance answered (and the cluster is at or above --min), else 1; 2 on bad usage. */
export async function main(
  args: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const token = values.token ?? process.env.ADMIN_TOKEN;
  if (!token) {
    process.stderr.write(`no admin token: set ADMIN_TOKEN or pass --token\n${USAGE}`);
    return 2;
  }
  let urls = positionals;
  if (urls.length === 0) {
    const found = await instanceUrls(values['redis-url'], values.prefix);
    if (typeof found === 'string') {
      process.stderr.write(found.startsWith('no live') ? `${found}\n` : `${found}\n${USAGE}`);
      return found.startsWith('no live') ? 1 : 2;
    }
    urls = found;
  }

  const report = await clusterConsistency(urls, token);
  if (values.json) out(JSON.stringify(report, null, 2));
  else {
    out(consistencyTable(report));
    out(
      report.percent === null
        ? 'no shadow comparisons yet: is presence.shadowRead on and presence.mode dual-write or redis?'
        : `presence shadow-read consistency across ${urls.length} instance(s): ${formatPercent(report.percent)} (${report.mismatches} mismatches in ${report.compared} comparisons)`,
    );
  }
  if (report.unreachable > 0) return 1;
  const min = values.min === undefined ? undefined : Number(values.min);
  if (min !== undefined && (report.percent === null || report.percent < min)) return 1;
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      'redis-url': { type: 'string' },
      prefix: { type: 'string' },
      token: { type: 'string' },
      min: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
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
