import type { Config } from '../config/config';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { RedisGuard } from '../infra/redis-guard';
import type { EventBudget } from './event-budget';
import { FlaggedEventBudget } from './flagged-event-budget';
import { createHandshakeLimit, type HandshakeLimit } from './handshake-limit';
import { MemoryEventBudget } from './memory-event-budget';
import { MemorySocketCap } from './memory-socket-cap';
import { RedisEventBudget } from './redis-event-budget';
import { RedisSocketCap } from './redis-socket-cap';
import type { SocketCap } from './socket-cap';

export interface AbuseLimits {
  /** per user, shared by the user's sockets (and instances, with rateLimit.store=redis) */
  eventBudget: EventBudget;
  /** concurrent sockets per user (across instances when Redis is there) */
  socketCap: SocketCap;
  /** Socket.IO handshakes per client address and window */
  handshakeLimit: HandshakeLimit;
  /** where each limit counts now: the budget and handshakes follow rateLimit.store, the cap Redis */
  stores(): Record<'socketHandshakes' | 'socketEvents' | 'socketsPerUser', 'redis' | 'memory'>;
  stop(): void;
}

/** The real-time surface's abuse limits, shared through Redis when there is one. */
export function createAbuseLimits(deps: {
  config: Config;
  flags: FlagReader;
  logger: Logger;
  redisGuard: RedisGuard | undefined;
}): AbuseLimits {
  const { config, flags, logger, redisGuard } = deps;
  const prefix = config.redisKeyPrefix;
  let warnedAt = 0;
  const warn = (what: string) => (err: unknown) => {
    if (Date.now() - warnedAt < 10_000) return;
    warnedAt = Date.now();
    logger.warn({ err: (err as Error)?.message }, `${what}: Redis away, counting locally`);
  };
  const settings = { ratePerSecond: config.realtime.eventsPerSecond, burst: config.realtime.eventBurst };
  const memoryBudget = new MemoryEventBudget(settings);
  const eventBudget = new FlaggedEventBudget({
    flags,
    memory: memoryBudget,
    shared:
      redisGuard &&
      new RedisEventBudget({
        guard: redisGuard,
        prefix,
        settings,
        fallback: memoryBudget,
        onFallback: warn('event budget'),
      }),
  });
  const localCap = new MemorySocketCap(config.realtime.maxSocketsPerUser);
  const redisCap =
    redisGuard &&
    new RedisSocketCap({
      guard: redisGuard,
      prefix,
      max: config.realtime.maxSocketsPerUser,
      local: localCap,
      // a dead instance's sockets stop counting as soon as its heartbeat would lapse
      ttlMs: Math.max(3000, config.instances.heartbeatTtlSeconds * 1000),
      onFallback: warn('socket cap'),
    });
  return {
    eventBudget,
    socketCap: redisCap ?? localCap,
    handshakeLimit: createHandshakeLimit({
      windowMs: config.rateLimit.windowMs,
      limit: config.realtime.handshakeLimit,
      flags,
      redis: redisGuard && { guard: redisGuard, prefix },
    }),
    stores: () => {
      const flagged = flags.get('rateLimit.store') === 'redis' && redisGuard ? 'redis' : 'memory';
      return {
        socketHandshakes: flagged,
        socketEvents: flagged,
        socketsPerUser: redisCap ? 'redis' : 'memory',
      };
    },
    stop: () => redisCap?.stop(),
  };
}
