import type { Logger } from '../infra/logger';
import type { RedisClient } from '../infra/redis';
import type { AnnouncedPresence } from './announced-presence';
import { MemoryAnnouncedPresence } from './memory-announced-presence';
import type { RedisCall } from './redis-presence-store';

/**
 * Only online users have a record (unknown = offline, as in the memory ledger), so the keys
 * are as many as the users online. The TTL only collects records of users whose last device
 * was on an instance that crashed (no offline was ever decided for them).
 */
const TTL_SECONDS = 7 * 24 * 60 * 60;

// {userId}: the user's keys share a hash slot on a Redis Cluster
const key = (prefix: string, userId: string) => `${prefix}presence:announced:{${userId}}`;

/**
 * The recorded state in Redis, flipped with one atomic command (SET … GET to go online,
 * GETDEL to go offline), so exactly one instance sees each change. While Redis is away each
 * instance falls back to its own view: a follower may then hear a change twice, or miss one
 * that another instance's view hides, until the next change.
 */
export class RedisAnnouncedPresence implements AnnouncedPresence {
  private readonly local = new MemoryAnnouncedPresence();
  private warned = false;

  constructor(
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      logger: Logger;
      ttlSeconds?: number;
      /** the circuit breaker plugs in here (default: call Redis directly) */
      call?: RedisCall;
    },
  ) {}

  async flip(userId: string, online: boolean): Promise<boolean> {
    const localChanged = await this.local.flip(userId, online);
    const k = key(this.deps.prefix, userId);
    try {
      const { redis, call = (op) => op() } = this.deps;
      const previous = await call(() =>
        online ? redis.set(k, '1', 'EX', this.deps.ttlSeconds ?? TTL_SECONDS, 'GET') : redis.getdel(k),
      );
      this.warned = false;
      return online ? previous === null : previous !== null;
    } catch (err) {
      if (!this.warned)
        this.deps.logger.warn(
          { err: (err as Error).message },
          'presence announcements: Redis unavailable, deciding locally',
        );
      this.warned = true;
      return localChanged;
    }
  }
}
