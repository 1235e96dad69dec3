import { Gauge } from 'prom-client';
import type { Config } from '../config/config';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { RedisGuard } from '../infra/redis-guard';
import { InstanceHeartbeat, type InstanceInfo, listInstances } from '../instances/instance-heartbeat';
import type { AnnouncedPresence } from './announced-presence';
import { DualWritePresenceStore } from './dual-write-presence-store';
import { MemoryAnnouncedPresence } from './memory-announced-presence';
import { MemoryPresenceStore } from './memory-presence-store';
import { freshInstanceIds, PresenceReaper } from './presence-reaper';
import type { PresenceStore } from './presence-store';
import { RedisAnnouncedPresence } from './redis-announced-presence';
import { RedisPresenceStore } from './redis-presence-store';
import { ShadowTally } from './shadow-tally';
import { SwitchingPresenceStore } from './switching-presence-store';

export interface Presence {
  /** who is online; the store in force follows flag presence.mode on every call */
  store: PresenceStore;
  /** this instance's shadow-read tally (GET /admin/presence/consistency) */
  tally: ShadowTally;
  /** what followers were last told; shared by instances when Redis is there */
  announced: AnnouncedPresence;
  /** liveness beacon in Redis; server.ts gives it the address once listening */
  heartbeat: InstanceHeartbeat | undefined;
  /** users who lost devices when this instance reaped a dead one (never called without Redis) */
  onReaped(listener: (userIds: string[]) => void): () => void;
  /** live instances (from heartbeats; just this one without Redis) */
  instances(): Promise<InstanceInfo[]>;
  /** ids of the instances whose heartbeat is fresh: what the reaper takes for alive */
  liveInstanceIds(): Promise<Set<string>>;
  /** stops the heartbeat and reaper and removes this instance's entries from Redis */
  stop(): Promise<void>;
}

/**
 * Wires the presence capability: the memory store, and with Redis the Redis store behind the
 * breaker, dual-write and the mode switch; the instance heartbeat; the reaper of dead instances'
 * entries; the ledger of what followers were told. The composition root hands in the clients.
 */
export function createPresence(deps: {
  config: Pick<Config, 'redisKeyPrefix' | 'instanceId' | 'version' | 'instances' | 'presence'>;
  flags: FlagReader & { readonly version: number };
  metrics: Metrics;
  logger: Logger;
  redis?: RedisGuard;
}): Presence {
  const { config, flags, metrics, logger } = deps;
  const prefix = config.redisKeyPrefix;
  const memory = new MemoryPresenceStore();
  // read at scrape time, so a soak can see this instance's map stay flat under churn
  new Gauge({
    name: 'presence_local_entries',
    help: 'Entries of the in-process presence map: users and sockets on this instance',
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
    collect() {
      this.set({ kind: 'users' }, memory.userCount);
      this.set({ kind: 'sockets' }, memory.size);
    },
  });
  const tally = new ShadowTally();
  const guard = deps.redis;
  // through the breaker: while Redis is away presence answers from memory at once
  const call = guard && (<T>(op: () => Promise<T>) => guard.run(() => op()));
  const redisStore =
    guard && new RedisPresenceStore({ redis: guard.client, prefix, instanceId: config.instanceId, call });
  const store = new SwitchingPresenceStore({
    memory,
    redisBacked:
      redisStore && new DualWritePresenceStore({ memory, redis: redisStore, flags, metrics, tally, logger }),
    flags,
    logger,
  });
  store.start();
  const announced: AnnouncedPresence = guard
    ? new RedisAnnouncedPresence({ redis: guard.client, prefix, logger, call })
    : new MemoryAnnouncedPresence();
  const self = (): InstanceInfo[] => {
    const now = new Date();
    const startedAt = new Date(now.getTime() - process.uptime() * 1000).toISOString();
    return [
      {
        id: config.instanceId,
        startedAt,
        lastSeen: now.toISOString(),
        version: config.version,
        connections: memory.size,
        flagVersion: flags.version,
      },
    ];
  };
  if (!guard || !redisStore)
    return {
      store,
      tally,
      announced,
      heartbeat: undefined,
      onReaped: () => () => {},
      instances: async () => self(),
      liveInstanceIds: async () => new Set([config.instanceId]),
      stop: () => store.stop(),
    };

  const redis = guard.client;
  const beats = config.instances;
  const heartbeat = new InstanceHeartbeat({
    redis,
    prefix,
    instanceId: config.instanceId,
    version: config.version,
    logger,
    stats: () => ({ connections: memory.size, flagVersion: flags.version }),
    intervalMs: beats.heartbeatIntervalMs,
    ttlSeconds: beats.heartbeatTtlSeconds,
  });
  const liveInstanceIds = freshInstanceIds(
    () => listInstances(redis, prefix),
    Math.min(beats.heartbeatTtlSeconds * 1000, beats.heartbeatIntervalMs * 2.5),
  );
  const reaper = new PresenceReaper({
    store: redisStore,
    liveInstanceIds,
    intervalMs: config.presence.reapIntervalMs,
    logger,
    afterSweep: () => store.checkDrift(),
  });
  // At start this purges a previous incarnation's stale entries; after an outage it
  // backfills. Beat first, so no reaper takes our fresh entries for a dead instance's.
  let beating = false;
  const onReady = () =>
    void heartbeat.beat().then(
      () => {
        if (!beating) heartbeat.start();
        beating = true;
        return store.sync('redis ready');
      },
      () => {},
    );
  redis.on('ready', onReady);
  if (redis.status === 'ready') onReady();
  reaper.start();
  return {
    store,
    tally,
    announced,
    heartbeat,
    onReaped: (listener) => reaper.onReaped(listener),
    instances: () => guard.run((r) => listInstances(r, prefix)),
    liveInstanceIds,
    stop: async () => {
      redis.off('ready', onReady);
      reaper.stop();
      await store.stop();
      await heartbeat.stop();
    },
  };
}
