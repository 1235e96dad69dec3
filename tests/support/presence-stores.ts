import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { buildConfig } from '../../backend/config/config';
import type { FlagValues } from '../../backend/config/features';
import { StaticFlags } from '../../backend/flags/static-flags';
import { createLogger, type Logger } from '../../backend/infra/logger';
import { createMetrics, type Metrics } from '../../backend/infra/metrics';
import { closeRedis, createRedisClient, type RedisClient, type RedisTarget } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { DualWritePresenceStore } from '../../backend/presence/dual-write-presence-store';
import { MemoryPresenceStore } from '../../backend/presence/memory-presence-store';
import { RedisPresenceStore } from '../../backend/presence/redis-presence-store';
import { ShadowTally } from '../../backend/presence/shadow-tally';
import { SwitchingPresenceStore } from '../../backend/presence/switching-presence-store';
import { testRedisUrl } from './test-env';

export const silentLogger = createLogger({ level: 'silent', instanceId: 'test', version: 'test' });

export function presenceFlags(overrides: Partial<FlagValues> = {}): StaticFlags {
  return new StaticFlags({ ...buildConfig().flags, ...overrides });
}

export function freshPrefix(): string {
  return `p${randomBytes(4).toString('hex')}:`;
}

/** The fail-fast client exactly as services.ts builds it; waits until it is ready. */
export async function failFastClient(target: string | RedisTarget): Promise<RedisClient> {
  const redis = createRedisClient(
    typeof target === 'string' ? { url: target } : target,
    'fail-fast',
    silentLogger,
    'test',
  );
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

/**
 * A guard over a fail-fast client on the test Redis, opened before the file's tests and closed
 * after them; call the answer inside a test to get it.
 */
export function useTestRedisGuard(): () => RedisGuard {
  let redis: RedisClient | undefined;
  let guard: RedisGuard | undefined;
  beforeAll(async () => {
    redis = await failFastClient(testRedisUrl());
    guard = new RedisGuard(redis, { logger: silentLogger });
  });
  afterAll(async () => {
    guard?.stop();
    if (redis) await closeRedis(redis);
  });
  return () => {
    if (!guard) throw new Error('the test Redis guard is opened in beforeAll');
    return guard;
  };
}

export interface PresenceKit {
  memory: MemoryPresenceStore;
  redisStore: RedisPresenceStore;
  dual: DualWritePresenceStore;
  switching: SwitchingPresenceStore;
  flags: StaticFlags;
  metrics: Metrics;
  tally: ShadowTally;
  redis: RedisClient;
  close(): Promise<void>;
}

/** Every presence store wired as presence/create-presence.ts wires them, on one fresh key prefix. */
export async function presenceKit(
  redisUrl: string | RedisTarget,
  opts: {
    flags?: Partial<FlagValues>;
    instanceId?: string;
    prefix?: string;
    redis?: RedisClient;
    logger?: Logger;
  } = {},
): Promise<PresenceKit> {
  const redis = opts.redis ?? (await failFastClient(redisUrl));
  const flags = presenceFlags(opts.flags);
  const metrics = createMetrics();
  const tally = new ShadowTally();
  const memory = new MemoryPresenceStore();
  const redisStore = new RedisPresenceStore({
    redis,
    prefix: opts.prefix ?? freshPrefix(),
    instanceId: opts.instanceId ?? `i-${randomBytes(3).toString('hex')}`,
  });
  const dual = new DualWritePresenceStore({
    memory,
    redis: redisStore,
    flags,
    metrics,
    tally,
    logger: opts.logger ?? silentLogger,
  });
  const switching = new SwitchingPresenceStore({
    memory,
    redisBacked: dual,
    flags,
    logger: opts.logger ?? silentLogger,
  });
  switching.start();
  return {
    memory,
    redisStore,
    dual,
    switching,
    flags,
    metrics,
    tally,
    redis,
    close: async () => {
      await switching.stop();
      if (!opts.redis) await closeRedis(redis);
    },
  };
}

/** a metric's value for one label set (0 when never incremented) */
export async function metricValue(
  metric: { get(): Promise<{ values: Array<{ labels: Record<string, unknown>; value: number }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}

/** a logger whose JSON lines land in `lines`, to assert what was logged */
export function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
}
