import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Config } from './config/config';
import type { FlagReader } from './flags/flag-reader';
import { StaticFlags } from './flags/static-flags';
import { HealthService } from './health/health-service';
import { Readiness } from './health/readiness';
import { createLogger, type Logger } from './infra/logger';
import { createMetrics, type Metrics } from './infra/metrics';
import { connectMongo } from './infra/mongo';
import { closeRedis, createRedisClient } from './infra/redis';
import { type ActivitySink, ignoreActivity } from './modules/activity/activity-sink';
import { getLikeModel } from './modules/posts/like-model';
import { getPostModel } from './modules/posts/post-model';
import { PostService } from './modules/posts/post-service';
import { getReplyModel } from './modules/posts/reply-model';
import { AuthService } from './modules/users/auth-service';
import { getFollowModel } from './modules/users/follow-model';
import { createArgon2Hasher } from './modules/users/password-hasher';
import { createTokenService, type TokenService } from './modules/users/token-service';
import { getUserModel } from './modules/users/user-model';
import { UserService } from './modules/users/user-service';
import { MemoryPresenceStore } from './presence/memory-presence-store';
import type { PresenceStore } from './presence/presence-store';
import { SwitchingPresenceStore } from './presence/switching-presence-store';

/**
 * The composition root: the one place that picks implementations and wires them.
 * Everything below receives what it uses; nothing else constructs clients.
 */
export interface Services {
  config: Config;
  logger: Logger;
  mongo: Connection;
  /** fail-fast client (cache, presence, rate limits); undefined without REDIS_URL */
  redis: Redis | undefined;
  flags: FlagReader;
  metrics: Metrics;
  readiness: Readiness;
  health: HealthService;
  tokens: TokenService;
  auth: AuthService;
  users: UserService;
  posts: PostService;
  /** who is online; the store in force follows flag presence.mode on every call */
  presence: PresenceStore;
  /** current flag values, as /health/features reports them */
  features(): Record<string, unknown>;
  /** closes clients in reverse order of creation */
  close(): Promise<void>;
}

export async function createServices(config: Config, opts: { logger?: Logger } = {}): Promise<Services> {
  const logger =
    opts.logger ??
    createLogger({ level: config.logLevel, instanceId: config.instanceId, version: config.version });
  if (!config.mongoUrl)
    throw new Error('MONGO_URL is not set (npm start provides an embedded database in development)');
  const mongo = await connectMongo(config.mongoUrl, logger);

  const models = {
    users: getUserModel(mongo),
    follows: getFollowModel(mongo),
    posts: getPostModel(mongo),
    likes: getLikeModel(mongo),
    replies: getReplyModel(mongo),
  };
  // Unique indexes carry correctness (idempotent follows and likes), so they must exist
  // before the first request, not whenever autoIndex gets to them.
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));

  const closers: Array<() => Promise<void>> = [() => mongo.close()];
  const metrics = createMetrics();
  const flags = new StaticFlags(config.flags);
  const redis = config.redisUrl
    ? createRedisClient(config.redisUrl, 'fail-fast', logger, 'fail-fast')
    : undefined;
  if (redis) closers.push(() => closeRedis(redis));

  const presenceMemory = new MemoryPresenceStore();
  const presence = new SwitchingPresenceStore({
    memory: presenceMemory,
    redisBacked: undefined,
    flags,
    logger,
  });

  const activity: ActivitySink = ignoreActivity;
  const readiness = new Readiness();
  const tokens = createTokenService(config.jwt);
  const hasher = createArgon2Hasher(config.password);
  const users = new UserService({ users: models.users, follows: models.follows, activity });
  const posts = new PostService({ ...models, userService: users, activity });
  const health = new HealthService({
    mongo,
    readiness,
    instanceId: config.instanceId,
    version: config.version,
    probes: {},
  });

  return {
    config,
    logger,
    mongo,
    redis,
    flags,
    metrics,
    readiness,
    health,
    tokens,
    auth: new AuthService({ users: models.users, hasher, tokens }),
    users,
    posts,
    presence,
    features: () => flags.snapshot(),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
