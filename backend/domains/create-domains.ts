import type { Connection } from 'mongoose';
import type { CacheAside } from '../cache/cache-aside';
import type { Config } from '../config/config';
import { MAX_TOKEN_LIFETIME_SECONDS, parseLifetimeSeconds } from '../config/token-lifetime';
import { ContactBook } from '../contacts/contact-book';
import { RedisSharedContacts } from '../contacts/redis-shared-contacts';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisGuard } from '../infra/redis-guard';
import { AccountDeletion } from '../modules/accounts/account-deletion';
import { getConversationModel } from '../modules/messages/conversation-model';
import { getMessageModel } from '../modules/messages/message-model';
import { MessageService } from '../modules/messages/message-service';
import type { ConversationOutbox } from '../modules/messages/message-writer';
import { ActorProfiles } from '../modules/notifications/actor-profiles';
import { getNotificationModel } from '../modules/notifications/notification-model';
import { NotificationService } from '../modules/notifications/notification-service';
import { getUnreadCounterModel } from '../modules/notifications/unread-counter-model';
import { createFeedTimelines } from '../modules/posts/create-feed-timelines';
import { getLikeModel } from '../modules/posts/like-model';
import { getPostModel } from '../modules/posts/post-model';
import { PostService } from '../modules/posts/post-service';
import { getReplyModel } from '../modules/posts/reply-model';
import { AuthService } from '../modules/users/auth-service';
import { getFollowModel } from '../modules/users/follow-model';
import { createArgon2Hasher } from '../modules/users/password-hasher';
import { createTokenService } from '../modules/users/token-service';
import { getUserModel } from '../modules/users/user-model';
import { UserService } from '../modules/users/user-service';
import type { NotificationKindSpec } from '../ports/activity-sink';
import type { Notifier } from '../ports/notifier';
import { quotaOf, type UserQuotas } from '../rate-limits/user-quotas';
import { createAuthenticator } from '../sessions/authenticator';
import { RedisSessionVersions } from '../sessions/redis-session-versions';
import { SessionVersions } from '../sessions/session-versions';

/** How long a sender's cached name may outlive a rename notice lost while Redis was away. */
const ACTOR_NAME_TTL_MS = 600_000;
const MINUTE_MS = 60_000;
/**
 * How long the instances' shared copy of a user's relations lives. Every change drops it, so
 * this only bounds one whose drop was lost (Redis away, then the instance gone before a retry).
 */
const SHARED_CONTACTS_TTL_MS = 10 * MINUTE_MS;

/**
 * The social app's domains: accounts and sessions, follows, posts, messages, notifications,
 * and the contact book that gates presence and typing. Each gets its models and the narrow
 * ports it emits through; none knows sockets.
 */
export function createDomains(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  flags: FlagReader;
  mongo: Connection;
  cache: CacheAside;
  notifier: Notifier;
  /** the notification kinds installed features record, besides the core's */
  notificationKinds: readonly NotificationKindSpec[];
  /** where conversation updates go when an installed feature defers them; none = before the ack */
  outbox: ConversationOutbox | undefined;
  /** per-user quotas of what reaches others; absent, nothing is counted */
  quotas?: UserQuotas | undefined;
  /** the fail-fast Redis: feed timelines live there */
  redis?: RedisGuard | undefined;
}) {
  const { config, logger, metrics, mongo, cache, notifier } = deps;
  const m = {
    users: getUserModel(mongo),
    follows: getFollowModel(mongo),
    conversations: getConversationModel(mongo),
  };
  const notificationModels = {
    notifications: getNotificationModel(mongo),
    counters: getUnreadCounterModel(mongo),
  };
  const notifications = new NotificationService({
    ...notificationModels,
    users: m.users,
    notifier,
    logger,
    dedupWindowMs: config.notificationDedupMs,
    kinds: deps.notificationKinds,
  });
  const activity = notifications;
  const q = config.quotas;
  const quota = (name: string, limit: number, windowMs: number) =>
    deps.quotas && quotaOf(deps.quotas, { name, limit, windowMs });
  const tokens = createTokenService(config.jwt);
  const redis = deps.redis;
  const prefix = config.redisKeyPrefix;
  const sessions = new SessionVersions({
    users: m.users,
    cacheMs: config.tokenVersionCacheMs,
    // an entry lapses with the tokens it was written for
    shared:
      redis &&
      new RedisSessionVersions({
        guard: redis,
        prefix,
        ttlMs: 1000 * (parseLifetimeSeconds(config.jwt.expiresIn) ?? MAX_TOKEN_LIFETIME_SECONDS),
      }),
  });
  const contacts = new ContactBook({
    ...m,
    cacheMs: config.realtime.contactsCacheMs,
    shared: redis && new RedisSharedContacts({ guard: redis, prefix, ttlMs: SHARED_CONTACTS_TTL_MS }),
    onSharedError: (err) =>
      logger.warn({ err: (err as Error).message }, 'contacts: Redis away, changes retried until it is back'),
  });
  const actors = new ActorProfiles({
    users: m.users,
    max: config.messages.cacheMax,
    ttlMs: ACTOR_NAME_TTL_MS,
  });
  const postModels = {
    posts: getPostModel(mongo),
    likes: getLikeModel(mongo),
    replies: getReplyModel(mongo),
  };
  const feedTimelines = createFeedTimelines({
    ...m,
    ...postModels,
    config,
    flags: deps.flags,
    logger,
    metrics,
    redis: deps.redis,
  });
  const users = new UserService({
    ...m,
    followEdges: feedTimelines,
    activity,
    cache,
    relationships: contacts,
    profiles: actors,
    followQuota: quota('follows', q.followsPerMinute, MINUTE_MS),
  });
  const hasher = createArgon2Hasher(config.password);
  const messageModel = getMessageModel(mongo);
  const accounts = new AccountDeletion({
    ...m,
    ...postModels,
    ...notificationModels,
    messages: messageModel,
    hasher,
    versions: sessions,
    relationships: contacts,
    cache,
    logger,
  });
  if (feedTimelines) accounts.onDeleted((id) => feedTimelines.accountDeleted(id));
  return {
    userModel: m.users,
    tokens,
    sessions,
    authenticate: createAuthenticator({ tokens, versions: sessions }),
    auth: new AuthService({ ...m, hasher, tokens, versions: sessions, relationships: contacts }),
    accounts,
    /** undefined without Redis: the feed is then the read-time query */
    feedTimelines,
    users,
    posts: new PostService({
      ...m,
      ...postModels,
      userService: users,
      activity,
      cache,
      logger,
      postQuota: quota('posts', q.postsPerMinute, MINUTE_MS),
      timelines: feedTimelines,
      actors,
    }),
    messages: new MessageService({
      messages: messageModel,
      ...m,
      notifier,
      relationships: contacts,
      actors,
      metrics,
      settings: config.messages,
      outbox: deps.outbox,
      conversationQuota: quota('conversations', q.conversationsPerHour, 60 * MINUTE_MS),
    }),
    notifications,
    contacts,
    actors,
  };
}
