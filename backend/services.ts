import { apiSurface } from './api-docs/api-surface';
import { createCache } from './cache/create-cache';
import type { Config } from './config/config';
import { createDomains } from './domains/create-domains';
import { installedFeatures } from './features/installed-features';
import { extensionsOf, startFeatures } from './features/start-features';
import { createLiveFlags } from './flags/create-live-flags';
import { HealthService } from './health/health-service';
import { Readiness } from './health/readiness';
import { redisProbe } from './health/redis-probe';
import { Closers } from './infra/closers';
import { createRedisClients } from './infra/create-redis-clients';
import { createStore } from './infra/create-store';
import { createLogger, type Logger } from './infra/logger';
import { createMetrics } from './infra/metrics';
import { SyncService } from './modules/sync/sync-service';
import { LateBoundNotifier } from './ports/late-bound-notifier';
import { createPresence } from './presence/create-presence';
import { createRateLimits } from './rate-limits/create-rate-limits';
import { createAbuseLimits } from './realtime/create-abuse-limits';
import { createLiveSocketAdapter } from './realtime/create-live-socket-adapter';

export type Services = Awaited<ReturnType<typeof createServices>>;

/**
 * The composition root: builds each capability with its create-* factory, in dependency
 * order, from Config and the clients built before it, then the installed features. It only
 * wires; every factory owns its settings, readiness and closer, and closers run in reverse.
 */
export async function createServices(config: Config, opts: { logger?: Logger } = {}) {
  const logger = opts.logger ?? createLogger({ ...config, level: config.logLevel });
  const closers = new Closers(logger);
  const metrics = createMetrics();
  const store = await createStore({ mongoUrl: config.mongoUrl, logger, metrics });
  const mongo = store.mongo;
  closers.add('store', store.close);
  const redis = await createRedisClients({ config, logger, metrics });
  closers.add('redis', redis.close);
  const liveFlags = await createLiveFlags({
    config,
    mongo,
    logger,
    metrics,
    redis: redis.guard && redis.subscriber && { guard: redis.guard, subscriber: redis.subscriber },
  });
  closers.add('flags', () => liveFlags.stop());
  const flags = liveFlags.flags;
  const presence = createPresence({ config, flags, metrics, logger, redis: redis.guard });
  closers.add('presence', () => presence.stop());
  const cache = createCache({ ...config, flags, metrics, logger, redis: redis.guard });
  closers.add('cache', () => cache.stop());
  const abuseLimits = createAbuseLimits({ config, flags, logger, redisGuard: redis.guard });
  closers.add('abuse limits', () => abuseLimits.stop());
  const rateLimits = createRateLimits({
    settings: config.rateLimit,
    flags,
    metrics,
    logger,
    redis: redis.guard && { guard: redis.guard, prefix: config.redisKeyPrefix },
  });
  const base = { config, logger, metrics, flags, mongo, redis: redis.guard, quotas: rateLimits.quotas };
  const extensions = extensionsOf(installedFeatures, base);
  const notifier = new LateBoundNotifier();
  const domains = createDomains({
    ...base,
    cache,
    notifier,
    outbox: extensions.conversationUpdates,
    notificationKinds: installedFeatures.flatMap((f) => f.notificationKinds ?? []),
  });
  const { notifications, messages, actors } = domains;
  closers.add('messages', () => messages.drained());
  closers.add('feed timelines', async () => domains.feedTimelines?.stop());
  const readiness = new Readiness();
  const health = new HealthService({
    mongo,
    readiness,
    instanceId: config.instanceId,
    version: config.version,
    probes: { redis: redis.guard && redisProbe(redis.guard, flags) },
  });
  const instances = () => presence.instances();
  const features = await startFeatures(
    installedFeatures,
    {
      ...base,
      flagAdmin: liveFlags.admin,
      health,
      readiness,
      notifier,
      activity: notifications,
      instances,
      liveInstanceIds: () => presence.liveInstanceIds(),
      presenceTally: presence.tally,
      feedTally: domains.feedTimelines?.tally,
      installed: installedFeatures,
      userExists: async (id) => (await domains.userModel.exists({ _id: id })) !== null,
    },
    closers,
  );
  const parts = [...features.values()];
  for (const p of parts) if (p.onAccountDeleted) domains.accounts.onDeleted(p.onAccountDeleted.bind(p));
  const sync = new SyncService({
    messages,
    notifications,
    actors,
    extra: parts.flatMap((p) => p.syncSources ?? []),
    settleMs: config.sync.settleMs,
  });
  await store.ensureIndexes();
  return {
    ...domains,
    config,
    logger,
    mongo,
    metrics,
    flags,
    flagAdmin: liveFlags.admin,
    instances,
    rateLimits,
    cache,
    readiness,
    health,
    sync,
    abuseLimits,
    notifier,
    announcedPresence: presence.announced,
    presence: presence.store,
    presenceTally: presence.tally,
    heartbeat: presence.heartbeat,
    onPresenceReaped: (listener: (userIds: string[]) => void) => presence.onReaped(listener),
    /** what each installed feature mounts, by name */
    features,
    surface: apiSurface(installedFeatures),
    featureRoutes: parts.flatMap((p) => p.routes ?? []),
    socketHandlers: parts.flatMap((p) => (p.onConnection ? [p.onConnection] : [])),
    deliveryTrace: parts.find((p) => p.deliveryTrace)?.deliveryTrace,
    /** the Socket.IO adapter flag socket.adapter names; a change of the flag moves it live */
    socketAdapter: () =>
      createLiveSocketAdapter({
        ...base,
        presence,
        flagAdmin: liveFlags.admin,
        redisClient: redis.adapterClient,
      }),
    /** current flag values, as /health/features reports them */
    flagValues: () => flags.snapshot(),
    close: () => closers.close(),
  };
}
