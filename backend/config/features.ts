import { z } from 'zod';

type Env = Record<string, string | undefined>;

export interface FlagDefinition<S extends z.ZodType = z.ZodType> {
  /** zod schema for a value, used for env, overrides and the admin API alike */
  schema: S;
  default: z.infer<S>;
  /** primary env variable */
  env: string;
  /** seed names from the apps this template replaces, mapped to a value (undefined = not set) */
  legacyEnv?: (env: Env) => z.infer<S> | undefined;
  /**
   * The default where the rest of env says more about the deployment than `default` can
   * (undefined = `default`); still a default: any value of the flag's own variable wins
   */
  defaultFor?: (env: Env) => z.infer<S> | undefined;
  restartRequired: boolean;
  description: string;
  /**
   * A 0–100 share of users: user u is in when rolloutBucket(flag, u) < value, the bucketing of
   * Unleash's flexibleRollout with the flag name as groupId (see docs/openfeature.md)
   */
  rollout?: true;
}

const bool = z.boolean();
const envBool = (raw: string): boolean | undefined => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return undefined;
};

function define<S extends z.ZodType>(def: FlagDefinition<S>): FlagDefinition<S> {
  return def;
}

export const features = {
  'presence.mode': define({
    schema: z.enum(['memory', 'dual-write', 'redis']),
    default: 'memory',
    env: 'PRESENCE_MODE',
    legacyEnv: (env) => (env.USE_REDIS && envBool(env.USE_REDIS) ? 'dual-write' : undefined),
    restartRequired: false,
    description: 'Where the userSocketMap lives: this process, both (memory answers), or Redis',
  }),
  'presence.redisReadPercent': define({
    schema: z.number().int().min(0).max(100),
    default: 0,
    env: 'USE_REDIS_PERCENTAGE',
    restartRequired: false,
    rollout: true,
    description: 'In dual-write, share of users (stable buckets) whose presence reads go to Redis',
  }),
  'presence.shadowRead': define({
    schema: bool,
    default: false,
    env: 'PRESENCE_SHADOW_READ',
    restartRequired: false,
    description: 'In dual-write, also read the other store off the request path and count mismatches',
  }),
  'cache.enabled': define({
    schema: bool,
    default: false,
    env: 'USE_CACHE',
    restartRequired: false,
    description: 'Cache-aside in Redis for profiles and feeds, fail-open',
  }),
  'cache.ttlSeconds': define({
    schema: z.number().int().min(1).max(86400),
    default: 300,
    env: 'CACHE_TTL_SECONDS',
    restartRequired: false,
    description: 'Cache entry lifetime before jitter',
  }),
  'socket.adapter': define({
    schema: z.enum(['memory', 'redis', 'redis-sharded', 'redis-streams']),
    default: 'memory',
    env: 'SOCKET_ADAPTER',
    legacyEnv: (env) => (env.USE_REDIS_ADAPTER && envBool(env.USE_REDIS_ADAPTER) ? 'redis' : undefined),
    restartRequired: false,
    description:
      'Socket.IO adapter: in-memory (one instance) or Redis pub/sub, sharded pub/sub, streams; a change moves it live',
  }),
  'feed.mode': define({
    schema: z.enum(['read', 'dual', 'timeline']),
    default: 'read',
    env: 'FEED_MODE',
    restartRequired: false,
    description:
      'Feed reads: the read-time query, timelines written beside it (shadow-compared), or timelines',
  }),
  'feed.timelineReadPercent': define({
    schema: z.number().int().min(0).max(100),
    default: 0,
    env: 'FEED_TIMELINE_READ_PERCENT',
    restartRequired: false,
    rollout: true,
    description: 'In dual, share of users (stable buckets) whose feed is read from their timeline',
  }),
  'rateLimit.enabled': define({
    schema: bool,
    default: true,
    env: 'RATE_LIMIT_ENABLED',
    restartRequired: false,
    description: 'HTTP rate limits on auth (strict) and the API (loose)',
  }),
  'rateLimit.store': define({
    schema: z.enum(['memory', 'redis']),
    default: 'memory',
    env: 'RATE_LIMIT_STORE',
    // production with a Redis: limits per instance would multiply every budget by the
    // number of instances, so they count in Redis unless RATE_LIMIT_STORE=memory says not to
    defaultFor: (env) =>
      env.NODE_ENV === 'production' && (env.REDIS_URL || env.REDIS_CLUSTER_NODES) ? 'redis' : undefined,
    restartRequired: false,
    description: 'Counters per process, or in Redis so a limit holds across instances',
  }),
  'messages.conversationWrites': define({
    schema: z.enum(['inline', 'deferred']),
    default: 'inline',
    env: 'MESSAGE_CONVERSATION_WRITES',
    // production with a Redis: under load the ack waits for the insert and a journal entry,
    // not for the conversation update (docs/realtime.md "Deferred conversation writes")
    defaultFor: (env) =>
      env.NODE_ENV === 'production' && (env.REDIS_URL || env.REDIS_CLUSTER_NODES) ? 'deferred' : undefined,
    restartRequired: false,
    description:
      'Conversation updates of a message before its ack, or after it from a journaled lane (needs Redis)',
  }),
  'metrics.enabled': define({
    schema: bool,
    default: true,
    env: 'METRICS_ENABLED',
    restartRequired: false,
    description: 'Serve Prometheus metrics on /metrics',
  }),
} satisfies Record<string, FlagDefinition>;

export type FlagName = keyof typeof features;
export type FlagValues = { [K in FlagName]: z.infer<(typeof features)[K]['schema']> };
export type FlagSource = 'default' | 'env' | 'override';

export const flagNames = Object.keys(features) as FlagName[];

export function isFlagName(name: string): name is FlagName {
  return Object.hasOwn(features, name);
}

/** Turns a raw env string into a candidate value of the flag's type (the schema then checks it). */
export function coerceFlagInput(name: FlagName, raw: string): unknown {
  const def: FlagDefinition = features[name];
  const probe = def.schema.safeParse(def.default);
  if (typeof def.default === 'boolean' && probe.success) return envBool(raw) ?? raw;
  if (typeof def.default === 'number') return raw.trim() === '' ? raw : Number(raw);
  return raw.trim();
}

export interface EnvFlagValue {
  value: unknown;
  source: Exclude<FlagSource, 'override'>;
}

/**
 * Reads every flag from env: the primary variable wins over a seed name; a value the schema
 * rejects is an error listing the variable, so a typo fails the start instead of silently
 * falling back to the default.
 */
export function readFlagsFromEnv(env: Env): {
  values: FlagValues;
  sources: Record<FlagName, FlagSource>;
  /** each flag's default in this environment (defaultFor, else default) */
  defaults: FlagValues;
  errors: string[];
} {
  const values = {} as Record<FlagName, unknown>;
  const sources = {} as Record<FlagName, FlagSource>;
  const defaults = {} as Record<FlagName, unknown>;
  const errors: string[] = [];
  for (const name of flagNames) {
    const def: FlagDefinition = features[name];
    defaults[name] = def.defaultFor?.(env) ?? def.default;
    const raw = env[def.env];
    let candidate: unknown;
    if (raw !== undefined && raw !== '') candidate = coerceFlagInput(name, raw);
    else candidate = def.legacyEnv?.(env);
    if (candidate === undefined) {
      values[name] = defaults[name];
      sources[name] = 'default';
      continue;
    }
    const parsed = def.schema.safeParse(candidate);
    if (!parsed.success) {
      errors.push(`${def.env}=${raw ?? ''}: not a valid value for flag ${name}`);
      values[name] = defaults[name];
      sources[name] = 'default';
    } else {
      values[name] = parsed.data;
      sources[name] = 'env';
    }
  }
  return { values: values as FlagValues, sources, defaults: defaults as FlagValues, errors };
}
