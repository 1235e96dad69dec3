import type { Connection } from 'mongoose';
import type { Cache } from './cache/cache';
import { CacheAside } from './cache/cache-aside';
import { NoCache } from './cache/no-cache';
import { RedisCache } from './cache/redis-cache';
import type { Config } from './config/config';
import { createConsole, type OpsConsole } from './console/create-console';
import { ContactBook } from './contacts/contact-book';
import { createLiveFlags } from './flags/create-live-flags';
import type { FlagAdmin } from './flags/flag-admin';
import type { FlagReader } from './flags/flag-reader';
import { HealthService } from './health/health-service';
import { Readiness } from './health/readiness';
import { redisProbe } from './health/redis-probe';
import { createLogger, type Logger } from './infra/logger';
import { createMetrics, type Metrics } from './infra/metrics';
import { closeMongo, connectMongo } from './infra/mongo';
import { observeMongoCommands } from './infra/mongo-metrics';
import { closeRedis, createRedisClient, redisTargetOf } from './infra/redis';
import { RedisGuard } from './infra/redis-guard';
import type { InstanceHeartbeat, InstanceInfo } from './instances/instance-heartbeat';
import { getGameModel } from './modules/games/game-model';
import { GameService } from './modules/games/game-service';
import { getConversationModel } from './modules/messages/conversation-model';
import { getMessageModel } from './modules/messages/message-model';
import { MessageService } from './modules/messages/message-service';
import { RedisLaneJournal } from './modules/messages/redis-lane-journal';
import { ActorProfiles } from './modules/notifications/actor-profiles';
import { getNotificationModel } from './modules/notifications/notification-model';
import { NotificationService } from './modules/notifications/notification-service';
import { getUnreadCounterModel } from './modules/notifications/unread-counter-model';
import { getLikeModel } from './modules/posts/like-model';
import { getPostModel } from './modules/posts/post-model';
import { PostService } from './modules/posts/post-service';
import { getReplyModel } from './modules/posts/reply-model';
import { SyncService } from './modules/sync/sync-service';
import { AuthService } from './modules/users/auth-service';
import { getFollowModel } from './modules/users/follow-model';
import { createArgon2Hasher } from './modules/users/password-hasher';
import { createTokenService, type TokenService } from './modules/users/token-service';
import { getUserModel } from './modules/users/user-model';
import { UserService } from './modules/users/user-service';
import type { ActivitySink } from './ports/activity-sink';
import { LateBoundNotifier } from './ports/late-bound-notifier';
import type { AnnouncedPresence } from './presence/announced-presence';
import { createPresence } from './presence/create-presence';
import type { PresenceStore } from './presence/presence-store';
import type { ShadowTally } from './presence/shadow-tally';
import { createRateLimits, type RateLimits } from './rate-limits/create-rate-limits';
import { type AbuseLimits, createAbuseLimits } from './realtime/create-abuse-limits';
import { createSocketAdapter, type SocketAdapter } from './realtime/socket-adapter';
import { type Authenticate, createAuthenticator } from './sessions/authenticator';
import { SessionVersions } from './sessions/session-versions';

/**
 * The composition root: the one place that picks implementations and wires them.
 * Everything below receives what it uses; nothing else constructs clients. Each capability's
 * create-* factory (flags, presence, rate limits) does its own wiring from the clients handed in.
 */

/** how long shutdown waits for the conversation lane before leaving its journal to a peer */
const LANE_DRAIN_MS = 5000;
export interface Services {
  config: Config;
  logger: Logger;
  mongo: Connection;
  flags: FlagReader;
  /** overrides, audit and change propagation behind /admin/flags */
  flagAdmin: FlagAdmin;
  /** live instances (from heartbeats; just this one without Redis) */
  instances(): Promise<InstanceInfo[]>;
  rateLimits: RateLimits;
  metrics: Metrics;
  /** cache-aside for profiles and feed windows (flag cache.enabled); Redis, or none without it */
  cache: CacheAside;
  readiness: Readiness;
  health: HealthService;
  tokens: TokenService;
  /** each user's session version (token revocation); realtime listens for bumps */
  sessions: SessionVersions;
  /** bearer token → live session, for REST and socket handshakes */
  authenticate: Authenticate;
  auth: AuthService;
  users: UserService;
  posts: PostService;
  messages: MessageService;
  notifications: NotificationService;
  games: GameService;
  sync: SyncService;
  /** who may see whose presence and typing (follows, conversations), cached */
  contacts: ContactBook;
  /** the senders' public names behind message notifications, per instance */
  actors: ActorProfiles;
  /** per-user event budget, sockets per user, handshakes per address */
  abuseLimits: AbuseLimits;
  /** where services emit; server.ts attaches the Socket.IO server once it is up */
  notifier: LateBoundNotifier;
  /** what followers were last told about presence; shared by instances when Redis is there */
  announcedPresence: AnnouncedPresence;
  /** who is online; the store in force follows flag presence.mode on every call */
  presence: PresenceStore;
  /** this instance's shadow-read tally (GET /admin/presence/consistency) */
  presenceTally: ShadowTally;
  /** liveness beacon in Redis; server.ts gives it the address once listening */
  heartbeat: InstanceHeartbeat | undefined;
  /** users who lost devices when this instance reaped a dead one (no-op without Redis) */
  onPresenceReaped(listener: (userIds: string[]) => void): () => void;
  /**
   * The Socket.IO adapter flag socket.adapter names, with its own Redis clients; server.ts
   * calls it once (the flag needs a restart) and the realtime server closes it.
   */
  socketAdapter(): SocketAdapter;
  /** the ops console: /console page and /admin/console data */
  console: OpsConsole;
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
    messages: getMessageModel(mongo),
    conversations: getConversationModel(mongo),
    notifications: getNotificationModel(mongo),
    unreadCounters: getUnreadCounterModel(mongo),
    games: getGameModel(mongo),
  };
  // Unique indexes carry correctness (idempotent follows and likes), so they must exist
  // before the first request, not whenever autoIndex gets to them.
  await Promise.all(Object.values(models).map((m) => m.createIndexes()));

  const closers: Array<() => Promise<void>> = [() => closeMongo(mongo)];
  const metrics = createMetrics();
  observeMongoCommands(mongo, metrics);
  // REDIS_URL or REDIS_CLUSTER_NODES: every client below is a Redis or a Cluster alike
  const redisTarget = redisTargetOf(config);
  const redis = redisTarget ? createRedisClient(redisTarget, 'fail-fast', logger, 'fail-fast') : undefined;
  if (redis) closers.push(() => closeRedis(redis));
  const redisGuard = redis && new RedisGuard(redis, { logger, metrics });
  if (redisGuard) {
    closers.push(async () => redisGuard.stop());
    if (!(await redisGuard.waitUntilReady(2000)))
      logger.warn('redis not reachable at start; running degraded');
  }
  const flagSubscriber = redisTarget
    ? createRedisClient(redisTarget, 'subscriber', logger, 'flag-subscriber')
    : undefined;
  if (flagSubscriber) closers.push(() => closeRedis(flagSubscriber));
  const liveFlags = await createLiveFlags({
    config,
    mongo,
    logger,
    metrics,
    redis: redisGuard && flagSubscriber && { guard: redisGuard, subscriber: flagSubscriber },
  });
  closers.push(async () => liveFlags.stop());
  const flags = liveFlags.flags;

  const presence = createPresence({ config, flags, metrics, logger, redis: redisGuard });
  closers.push(() => presence.stop());

  const notifier = new LateBoundNotifier();
  const notifications = new NotificationService({
    notifications: models.notifications,
    counters: models.unreadCounters,
    users: models.users,
    notifier,
    logger,
    dedupWindowMs: config.notificationDedupMs,
  });
  const activity: ActivitySink = notifications;
  const readiness = new Readiness();
  const tokens = createTokenService(config.jwt);
  const sessions = new SessionVersions({ users: models.users, cacheMs: config.tokenVersionCacheMs });
  const hasher = createArgon2Hasher(config.password);
  const cacheStore: Cache = redisGuard
    ? new RedisCache({ guard: redisGuard, prefix: `${config.redisKeyPrefix}cache:` })
    : new NoCache();
  const cache = new CacheAside({ cache: cacheStore, flags, metrics, logger });
  closers.push(async () => cache.stop());
  const contacts = new ContactBook({
    follows: models.follows,
    conversations: models.conversations,
    cacheMs: config.realtime.contactsCacheMs,
  });
  const abuseLimits = createAbuseLimits({ config, flags, logger, redisGuard });
  closers.push(async () => abuseLimits.stop());
  // Renames are pushed to every instance (realtime's cluster notice); the expiry only bounds a
  // notice lost while Redis was away.
  const actors = new ActorProfiles({ users: models.users, max: config.messages.cacheMax, ttlMs: 600_000 });
  const users = new UserService({
    users: models.users,
    follows: models.follows,
    activity,
    cache,
    relationships: contacts,
    profiles: actors,
  });
  const posts = new PostService({ ...models, userService: users, activity, cache, logger });
  const messages = new MessageService({
    messages: models.messages,
    conversations: models.conversations,
    users: models.users,
    notifier,
    relationships: contacts,
    actors,
    metrics,
    settings: config.messages,
    lane: redisGuard && {
      journal: new RedisLaneJournal({
        guard: redisGuard,
        prefix: config.redisKeyPrefix,
        owner: config.instanceId,
      }),
      enabled: () => flags.get('messages.conversationWrites') === 'deferred',
      chunk: config.messages.laneChunk,
      maxPending: config.messages.laneMax,
      minBatch: config.messages.laneMinBatch,
      logger,
    },
  });
  messages.lane?.startRecovery(() => presence.liveInstanceIds(), config.presence.reapIntervalMs);
  closers.push(async () => messages.lane?.stop());
  const games = new GameService({ games: models.games, users: models.users, notifier, activity });
  // runs before the Mongo close (closers run in reverse): accepted sends are written and answered
  // ... and the lane applies what it owes, for a few seconds at most: the rest stays in its
  // journal, which a peer adopts once this instance's heartbeat is gone
  closers.push(() => messages.drained(LANE_DRAIN_MS));
  const sync = new SyncService({ messages, notifications, games, actors, settleMs: config.sync.settleMs });
  const health = new HealthService({
    mongo,
    readiness,
    instanceId: config.instanceId,
    version: config.version,
    probes: { redis: redisGuard && redisProbe(redisGuard, flags) },
  });
  const opsConsole = createConsole({
    config,
    flags,
    flagAdmin: liveFlags.admin,
    instances: () => presence.instances(),
    health,
    tally: presence.tally,
    readiness,
    logger,
    redis: redisGuard,
  });
  closers.push(async () => opsConsole.stop());

  return {
    config,
    logger,
    mongo,
    flags,
    flagAdmin: liveFlags.admin,
    instances: () => presence.instances(),
    rateLimits: createRateLimits({
      settings: config.rateLimit,
      flags,
      metrics,
      logger,
      redis: redisGuard && { guard: redisGuard, prefix: config.redisKeyPrefix },
    }),
    metrics,
    cache,
    readiness,
    health,
    tokens,
    sessions,
    authenticate: createAuthenticator({ tokens, versions: sessions }),
    auth: new AuthService({ users: models.users, hasher, tokens, versions: sessions }),
    users,
    posts,
    messages,
    notifications,
    games,
    sync,
    contacts,
    actors,
    abuseLimits,
    notifier,
    announcedPresence: presence.announced,
    presence: presence.store,
    presenceTally: presence.tally,
    heartbeat: presence.heartbeat,
    onPresenceReaped: (listener) => presence.onReaped(listener),
    socketAdapter: () =>
      createSocketAdapter(flags.get('socket.adapter'), {
        redisClient: redisTarget
          ? (name) => createRedisClient(redisTarget, 'adapter', logger, name)
          : undefined,
        keyPrefix: config.redisKeyPrefix,
        logger,
      }),
    console: opsConsole,
    features: () => flags.snapshot(),
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
