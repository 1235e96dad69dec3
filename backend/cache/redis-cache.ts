import { isCluster } from '../infra/redis';
import type { RedisGuard } from '../infra/redis-guard';
import type { Cache } from './cache';

// One DEL per this many keys: a feed fan-out can invalidate thousands, and one huge command
// would hold Redis (single-threaded) and the fail-fast client's 500 ms timeout alike.
const DEL_CHUNK = 500;

/**
 * The cache in Redis, shared by every instance, through the breaker-guarded fail-fast client:
 * while Redis is away every call rejects with RedisUnavailableError within the command timeout,
 * or at once while the breaker is open, and cache-aside reads the database instead.
 */
export class RedisCache implements Cache {
  constructor(private readonly deps: { guard: Pick<RedisGuard, 'run'>; prefix: string }) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.deps.guard.run((r) => r.get(this.deps.prefix + key));
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const ms = Math.max(1, Math.round(ttlSeconds * 1000));
    await this.deps.guard.run((r) => r.set(this.deps.prefix + key, value, 'PX', ms));
  }

  async del(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DEL_CHUNK) {
      const chunk = keys.slice(i, i + DEL_CHUNK).map((k) => this.deps.prefix + k);
      // a cluster refuses a DEL whose keys span slots: one DEL per key there, sent in one tick
      await this.deps.guard.run(async (r) => {
        if (isCluster(r)) await Promise.all(chunk.map((k) => r.del(k)));
        else await r.del(...chunk);
      });
    }
  }
}
