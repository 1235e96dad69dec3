import type { Connection } from 'mongoose';
import type { Config } from '../config/config';
import { refuseWithoutRedis } from '../config/redis-requirements';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisClient } from '../infra/redis';
import type { RedisGuard } from '../infra/redis-guard';
import { FlagAdmin } from './flag-admin';
import { getFlagAuditModel } from './flag-audit-model';
import { getFlagOverrideModel } from './flag-override-model';
import { FlagSync } from './flag-sync';
import { LiveFlags } from './live-flags';
import { MongoFlagOverrideStore } from './mongo-flag-override-store';

/**
 * Wires the flags capability: overrides in Mongo, loaded before this resolves (so an instance
 * never serves a request on env values while an override exists), polled, and synced over
 * Redis pub/sub when Redis is configured. The composition root hands in the clients.
 */
export async function createLiveFlags(deps: {
  config: Pick<
    Config,
    'flags' | 'flagSources' | 'flagDefaults' | 'flagsPollMs' | 'redisKeyPrefix' | 'instanceId'
  >;
  mongo: Connection;
  logger: Logger;
  metrics: Pick<Metrics, 'flagRefreshes' | 'flagVersion'>;
  redis?: { guard: RedisGuard; subscriber: RedisClient };
}): Promise<{ flags: LiveFlags; admin: FlagAdmin; stop(): void }> {
  const { config, mongo, logger, redis } = deps;
  const models = {
    overrides: getFlagOverrideModel(mongo),
    audit: getFlagAuditModel(mongo),
  };
  await models.audit.createIndexes();
  const store = new MongoFlagOverrideStore(models);
  const refuse = redis ? undefined : refuseWithoutRedis;
  const flags = new LiveFlags({
    store,
    env: { values: config.flags, sources: config.flagSources, defaults: config.flagDefaults },
    logger,
    allowOverride: refuse,
    pollMs: config.flagsPollMs,
    metrics: deps.metrics,
  });
  await flags.start();
  const sync = redis
    ? new FlagSync({
        subscriber: redis.subscriber,
        guard: redis.guard,
        channel: `${config.redisKeyPrefix}flags:changed`,
        instanceId: config.instanceId,
        flags,
        logger,
        retryForMs: config.flagsPollMs,
      })
    : undefined;
  sync?.start();
  const admin = new FlagAdmin({ store, flags, publisher: sync, refuse });
  return {
    flags,
    admin,
    stop: () => {
      sync?.stop();
      flags.stop();
    },
  };
}
