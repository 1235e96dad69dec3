import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { type AdminToken, MIN_TOKEN_LENGTH, parseAdminTokens } from './admin-tokens';
import { type FlagName, type FlagSource, type FlagValues, readFlagsFromEnv } from './features';
import { parseClusterSeeds, parseRedisConnection, type RedisConnection } from './redis-connection';
import { flagsNeedingRedisUrl } from './redis-requirements';
import { weakSecretReason } from './secret-strength';
import { MAX_TOKEN_LIFETIME_SECONDS, parseLifetimeSeconds } from './token-lifetime';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

type Env = Record<string, string | undefined>;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  INSTANCE_ID: z.string().min(1).max(100).optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  // may carry user:password@ (percent-encoded); rediss:// = TLS
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  // seed nodes of a Redis Cluster, "host:port,host:port" or "rediss://user:pass@host:port,...";
  // instead of REDIS_URL, never with it
  REDIS_CLUSTER_NODES: z
    .string()
    .refine(
      (v) => parseClusterSeeds(v) !== undefined,
      'comma-separated host:port list, or redis:// / rediss:// URLs with a port and no path',
    )
    .optional(),
  // credentials and TLS for every Redis connection, when the URL or the seeds do not carry them
  // (docs/security.md "Redis credentials and TLS"); parsed by redis-connection.ts
  REDIS_USERNAME: z.string().max(256).optional(),
  REDIS_PASSWORD: z.string().max(4096).optional(),
  REDIS_TLS: z.enum(['true', 'false']).optional(),
  REDIS_TLS_CA_FILE: z.string().optional(),
  REDIS_TLS_SERVERNAME: z.string().max(253).optional(),
  REDIS_KEY_PREFIX: z.string().max(50).default('social:'),
  JWT_SECRET: z.string().min(1).optional(),
  JWT_EXPIRES_IN: z
    .string()
    .refine((v) => parseLifetimeSeconds(v) !== undefined, 'a number of seconds or like 15m, 1h, 1d')
    .refine((v) => {
      const s = parseLifetimeSeconds(v);
      return s === undefined || (s >= 1 && s <= MAX_TOKEN_LIFETIME_SECONDS);
    }, 'between 1 second and 24h: a stolen token lives this long')
    .default('1h'),
  ADMIN_TOKEN: z.string().min(MIN_TOKEN_LENGTH, `at least ${MIN_TOKEN_LENGTH} characters`).optional(),
  ADMIN_TOKENS: z.string().optional(),
  METRICS_TOKEN: z.string().min(MIN_TOKEN_LENGTH, `at least ${MIN_TOKEN_LENGTH} characters`).optional(),
  // How long an instance trusts its cached copy of a user's token version (logout and password
  // changes reach every instance at once through Socket.IO; this bounds it when that fails).
  TOKEN_VERSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  CORS_ORIGIN: z.string().optional(),
  // the address the HTTP server binds; unset = every interface. Workers behind a proxy on the
  // same host bind 127.0.0.1, so no client reaches them around it (docs/security.md)
  HOST: z
    .string()
    .regex(/^[\w.:-]+$/, 'an IP address or a host name, like 127.0.0.1')
    .optional(),
  // whose X-Forwarded-For to believe: a hop count or the proxies' addresses/CIDRs (trust-proxy.ts)
  TRUST_PROXY: z
    .string()
    .superRefine((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional(),
  // Slow clients: the whole header block within this, the whole request (body too) within the
  // next (Node's rule: headers ≤ request). An idle keep-alive connection is neither's business.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60000).default(2000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(120000).default(15000),
  // OWASP's argon2id floor (19 MiB, 2 passes); raise it where the hardware allows.
  PASSWORD_MEMORY_KIB: z.coerce.number().int().min(1024).max(1048576).default(19456),
  PASSWORD_TIME_COST: z.coerce.number().int().min(1).max(10).default(2),
  // HTTP rate limits per client IP and window (flags choose on/off and the store); tests lower them.
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  RATE_LIMIT_AUTH_MAX: z.coerce.number().int().min(1).max(1_000_000).default(20),
  RATE_LIMIT_API_MAX: z.coerce.number().int().min(1).max(1_000_000).default(600),
  // sign-ups per client IP per hour (POST /api/auth/register), on top of the auth limit
  REGISTER_LIMIT_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(10),
  // Per-user quotas on what reaches other people (docs/security.md "Limits"), shared by the
  // instances like the limits above: posts and follows per minute, new conversations (a pair's
  // first message) per hour; open invitations (chess challenges) in total and towards one
  // person; rooms one socket may join on request (game:join).
  QUOTA_POSTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(10),
  QUOTA_FOLLOWS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  QUOTA_CONVERSATIONS_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(20),
  QUOTA_OPEN_INVITES: z.coerce.number().int().min(1).max(1_000_000).default(10),
  QUOTA_OPEN_INVITES_PER_RECIPIENT: z.coerce.number().int().min(1).max(1_000_000).default(3),
  QUOTA_ROOMS_PER_SOCKET: z.coerce.number().int().min(1).max(1_000_000).default(20),
  // How often every instance re-reads flag overrides, so a lost Redis message only delays a change.
  FLAGS_POLL_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  // Socket.IO: per-socket event budget (token bucket) and the presence grace period that keeps
  // a page reload from flapping offline/online to followers.
  // The budget is per user, shared by all of the user's sockets on every instance.
  SOCKET_EVENTS_PER_SECOND: z.coerce.number().min(0.01).max(10000).default(20),
  SOCKET_EVENT_BURST: z.coerce.number().int().min(1).max(10000).default(40),
  // concurrent sockets per user (the newest handshake over it is refused), and Socket.IO
  // handshakes per client address per RATE_LIMIT_WINDOW_MS
  SOCKET_MAX_PER_USER: z.coerce.number().int().min(1).max(1000).default(10),
  SOCKET_HANDSHAKE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(120),
  // how long who-follows-whom and who-talks-to-whom (typing, presence privacy) stay cached
  CONTACTS_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  // one follow or like notification per actor, target and kind in this window
  NOTIFICATION_DEDUP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400_000)
    .default(86_400_000),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(60000).default(2000),
  // A live socket.adapter move: the shortest dual stage, and how long the old transport drains.
  ADAPTER_DUAL_MIN_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  ADAPTER_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  // Instance liveness (presence reaping, /admin/instances); short values are for tests.
  HEARTBEAT_TTL_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(300000).default(10000),
  // how often each instance publishes its status (health, shadow-read tally) for /console
  CONSOLE_STATUS_INTERVAL_MS: z.coerce.number().int().min(100).max(300000).default(5000),
  PRESENCE_REAP_INTERVAL_MS: z.coerce.number().int().min(100).max(300000).default(5000),
  // Feed timelines (docs/feed-migration.md): entries kept per reader, and the follower count
  // above which an author's posts are merged in at read time instead of fanned out.
  FEED_TIMELINE_SIZE: z.coerce.number().int().min(20).max(10_000).default(800),
  FEED_CELEBRITY_FOLLOWERS: z.coerce.number().int().min(1).max(100_000_000).default(10_000),
  // The message pipeline (docs/realtime.md "The message hot path"): messages per batch, sends
  // waiting for a batch before new ones are refused UNAVAILABLE, pairs and users remembered
  // per instance, and how late a retried send may still complete its first attempt.
  MESSAGE_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(500),
  MESSAGE_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  // batches whose insert may be in flight at once: under load a send waits for a free slot
  // instead of for the whole previous batch; pushes still go out in batch order
  MESSAGE_INSERTS_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  MESSAGE_CACHE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  MESSAGE_RETRY_WINDOW_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  // Conversations per update write while the next batch is inserted (docs/realtime.md "Where a
  // send waits"): an insert waits behind at most one such write on a single-writer store.
  MESSAGE_UPDATE_CHUNK: z.coerce.number().int().min(1).max(1000).default(4),
  // Deferred conversation writes (flag messages.conversationWrites): conversations per lane
  // bulkWrite, and acked messages whose update an instance may owe before it applies inline.
  MESSAGE_LANE_CHUNK: z.coerce.number().int().min(1).max(1000).default(10),
  // how long one such write should hold the store at most: it takes as many conversations as
  // fit (up to MESSAGE_LANE_CHUNK), learnt from the writes so far; an insert waits behind it
  MESSAGE_LANE_WRITE_MS: z.coerce.number().min(0.1).max(10_000).default(5),
  MESSAGE_LANE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  MESSAGE_LANE_MIN_BATCH: z.coerce.number().int().min(1).max(10_000).default(2),
  // the largest share of the store's time the lane's writes take while more are owed: acks do
  // not wait for them, so inserts get the rest and owed updates coalesce
  MESSAGE_LANE_SHARE: z.coerce.number().min(0.05).max(1).default(0.25),
  // sync's `until` stays this far behind now, so a message committed late (a batch in flight,
  // another instance's clock behind) is still after it: above batch write time + clock skew.
  SYNC_SETTLE_MS: z.coerce.number().int().min(0).max(300_000).default(5000),
  /** how other instances and scripts reach this one; default http://127.0.0.1:<port> */
  INSTANCE_URL: z.url().optional(),
});

export interface Config {
  port: number;
  env: 'development' | 'production' | 'test';
  instanceId: string;
  version: string;
  mongoUrl: string | undefined;
  redisUrl: string | undefined;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES); set = every Redis feature uses the cluster */
  redisClusterNodes: Array<{ host: string; port: number }> | undefined;
  /**
   * user, password and TLS of every Redis connection, from REDIS_URL's or the seeds' URL form or
   * REDIS_USERNAME / REDIS_PASSWORD / REDIS_TLS*; redisUrl itself never carries the password
   */
  redisConnection: RedisConnection;
  redisKeyPrefix: string;
  jwt: { secret: string; expiresIn: string; issuer: string; audience: string };
  /** named admin tokens (ADMIN_TOKENS plus ADMIN_TOKEN as "admin"); empty = admin API off */
  adminTokens: AdminToken[];
  /** a bearer token /metrics accepts besides the admin tokens */
  metricsToken: string | undefined;
  tokenVersionCacheMs: number;
  corsOrigins: string[];
  /** the address the HTTP server binds (HOST); undefined = every interface */
  host: string | undefined;
  /** whose X-Forwarded-For is believed: a hop count (0 = nobody) or the proxies' addresses */
  trustProxy: TrustProxy;
  /** slow-client bounds of the HTTP server */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  logLevel: string;
  shutdown: { drainMs: number; timeoutMs: number };
  password: { memoryCost: number; timeCost: number };
  rateLimit: { windowMs: number; authLimit: number; apiLimit: number; registerPerHour: number };
  /** per-user quotas: windows of actions that reach others, and caps of open things */
  quotas: {
    postsPerMinute: number;
    followsPerMinute: number;
    conversationsPerHour: number;
    /** pending invitations (chess challenges) a user has open, in total and to one person */
    openInvites: number;
    openInvitesPerRecipient: number;
    /** rooms one socket may join on its own request */
    roomsPerSocket: number;
  };
  flagsPollMs: number;
  realtime: {
    eventsPerSecond: number;
    eventBurst: number;
    presenceGraceMs: number;
    maxSocketsPerUser: number;
    handshakeLimit: number;
    contactsCacheMs: number;
    adapterDualMinMs: number;
    adapterDrainMs: number;
  };
  notificationDedupMs: number;
  instances: { heartbeatTtlSeconds: number; heartbeatIntervalMs: number; url: string | undefined };
  presence: { reapIntervalMs: number };
  feed: { timelineSize: number; celebrityFollowers: number };
  console: { statusIntervalMs: number };
  messages: {
    batchMax: number;
    queueMax: number;
    insertsInFlight: number;
    cacheMax: number;
    retryWindowMs: number;
    updateChunk: number;
    laneChunk: number;
    laneWriteMs: number;
    laneMax: number;
    laneMinBatch: number;
    laneShare: number;
  };
  sync: { settleMs: number };
  /** flag values from env or default; runtime overrides are layered on top by flags/ */
  flags: FlagValues;
  flagSources: Record<FlagName, FlagSource>;
  /** each flag's default in this environment (rateLimit.store: redis in production with Redis) */
  flagDefaults: FlagValues;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function packageVersion(): string {
  try {
    // resolved at run time from the project root (dist/backend/config or backend/config)
    return (require('../../package.json') as { version: string }).version;
  } catch {
    try {
      return (require('../../../package.json') as { version: string }).version;
    } catch {
      return '0.0.0';
    }
  }
}

/** Parses env once; every problem is reported together so one start shows all of them. */
export function loadConfig(rawEnv: Env = process.env): Config {
  const env = withoutEmptyValues(rawEnv);
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const flags = readFlagsFromEnv(env);
  problems.push(...flags.errors);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const admin = parseAdminTokens(e.ADMIN_TOKENS, e.ADMIN_TOKEN);
  problems.push(...admin.problems);

  if (e.NODE_ENV === 'production') {
    if (!e.MONGO_URL)
      problems.push('MONGO_URL: required in production (embedded databases are for development)');
    if (!e.JWT_SECRET) problems.push('JWT_SECRET: required in production');
    else {
      const weak = weakSecretReason(e.JWT_SECRET);
      if (weak) problems.push(`JWT_SECRET: ${weak} (production)`);
    }
  }
  const needsRedis = flagsNeedingRedisUrl(flags.values);
  if (!e.REDIS_URL && !e.REDIS_CLUSTER_NODES && needsRedis.length > 0)
    problems.push(`REDIS_URL: required when ${needsRedis.join(', ')} use Redis (or REDIS_CLUSTER_NODES)`);
  // Node refuses a headers timeout above the request timeout (http.createServer)
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS)
    problems.push(
      'HTTP_HEADERS_TIMEOUT_MS: at most HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)',
    );
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES)
    problems.push('REDIS_CLUSTER_NODES: set either it or REDIS_URL, not both');
  const redis = parseRedisConnection(e);
  problems.push(...redis.problems);
  // a brace in the prefix would become the hash tag of every key and put them all in one slot
  if (e.REDIS_CLUSTER_NODES && /[{}]/.test(e.REDIS_KEY_PREFIX))
    problems.push('REDIS_KEY_PREFIX: no { or } with REDIS_CLUSTER_NODES (they choose the hash slot)');
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port: e.PORT,
    env: e.NODE_ENV,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    version: packageVersion(),
    mongoUrl: e.MONGO_URL,
    redisUrl: redis.url,
    redisClusterNodes: redis.clusterNodes,
    redisConnection: redis.connection,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    jwt: {
      // A random dev secret means tokens die with the process; set JWT_SECRET to share them.
      secret: e.JWT_SECRET ?? randomBytes(32).toString('hex'),
      expiresIn: e.JWT_EXPIRES_IN,
      issuer: 'social-scale',
      audience: 'social-scale:api',
    },
    adminTokens: admin.tokens,
    metricsToken: e.METRICS_TOKEN,
    tokenVersionCacheMs: e.TOKEN_VERSION_CACHE_MS,
    corsOrigins: (e.CORS_ORIGIN ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    host: e.HOST,
    trustProxy: (parseTrustProxy(e.TRUST_PROXY) as { value: TrustProxy }).value,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      // longer than a typical load balancer's idle timeout (nginx's upstream keepalive_timeout
      // is 60 s), so the balancer closes idle connections first and never sends on a closing one
      keepAliveTimeoutMs: 65_000,
    },
    logLevel: e.LOG_LEVEL,
    shutdown: { drainMs: e.SHUTDOWN_DRAIN_MS, timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    password: { memoryCost: e.PASSWORD_MEMORY_KIB, timeCost: e.PASSWORD_TIME_COST },
    rateLimit: {
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      authLimit: e.RATE_LIMIT_AUTH_MAX,
      apiLimit: e.RATE_LIMIT_API_MAX,
      registerPerHour: e.REGISTER_LIMIT_PER_HOUR,
    },
    quotas: {
      postsPerMinute: e.QUOTA_POSTS_PER_MINUTE,
      followsPerMinute: e.QUOTA_FOLLOWS_PER_MINUTE,
      conversationsPerHour: e.QUOTA_CONVERSATIONS_PER_HOUR,
      openInvites: e.QUOTA_OPEN_INVITES,
      openInvitesPerRecipient: e.QUOTA_OPEN_INVITES_PER_RECIPIENT,
      roomsPerSocket: e.QUOTA_ROOMS_PER_SOCKET,
    },
    flagsPollMs: e.FLAGS_POLL_MS,
    realtime: {
      eventsPerSecond: e.SOCKET_EVENTS_PER_SECOND,
      eventBurst: e.SOCKET_EVENT_BURST,
      presenceGraceMs: e.PRESENCE_GRACE_MS,
      maxSocketsPerUser: e.SOCKET_MAX_PER_USER,
      handshakeLimit: e.SOCKET_HANDSHAKE_MAX,
      contactsCacheMs: e.CONTACTS_CACHE_MS,
      adapterDualMinMs: e.ADAPTER_DUAL_MIN_MS,
      adapterDrainMs: e.ADAPTER_DRAIN_MS,
    },
    notificationDedupMs: e.NOTIFICATION_DEDUP_MS,
    instances: {
      heartbeatTtlSeconds: e.HEARTBEAT_TTL_SECONDS,
      heartbeatIntervalMs: e.HEARTBEAT_INTERVAL_MS,
      url: e.INSTANCE_URL,
    },
    presence: { reapIntervalMs: e.PRESENCE_REAP_INTERVAL_MS },
    feed: { timelineSize: e.FEED_TIMELINE_SIZE, celebrityFollowers: e.FEED_CELEBRITY_FOLLOWERS },
    console: { statusIntervalMs: e.CONSOLE_STATUS_INTERVAL_MS },
    messages: {
      batchMax: e.MESSAGE_BATCH_MAX,
      queueMax: e.MESSAGE_QUEUE_MAX,
      insertsInFlight: e.MESSAGE_INSERTS_IN_FLIGHT,
      cacheMax: e.MESSAGE_CACHE_MAX,
      retryWindowMs: e.MESSAGE_RETRY_WINDOW_MS,
      updateChunk: e.MESSAGE_UPDATE_CHUNK,
      laneChunk: e.MESSAGE_LANE_CHUNK,
      laneWriteMs: e.MESSAGE_LANE_WRITE_MS,
      laneMax: e.MESSAGE_LANE_MAX,
      laneMinBatch: e.MESSAGE_LANE_MIN_BATCH,
      laneShare: e.MESSAGE_LANE_SHARE,
    },
    sync: { settleMs: e.SYNC_SETTLE_MS },
    flags: flags.values,
    flagSources: flags.sources,
    flagDefaults: flags.defaults,
  };
}

/**
 * The contract: an empty value means unset, for every variable. Compose passes `${X:-}` as an
 * empty string and a copied .env.example lists every variable, so without this an optional
 * variable left blank would fail its format check (or, worse, count as set).
 */
export function withoutEmptyValues(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

/**
 * REDIS_CLUSTER_NODES → where the seeds are; undefined when any entry is malformed. Their
 * credentials and scheme are parseRedisConnection's (config.redisConnection).
 */
export function parseClusterNodes(raw: string): Array<{ host: string; port: number }> | undefined {
  return parseClusterSeeds(raw)?.map(({ host, port }) => ({ host, port }));
}

/** Test and script helper: a config from defaults plus overrides, validated the same way. */
export function buildConfig(overrides: Env = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
