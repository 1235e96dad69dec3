import { createHash } from 'node:crypto';
import { isCluster } from '../infra/redis';
import type { RedisGuard } from '../infra/redis-guard';
import type { MemorySocketCap } from './memory-socket-cap';
import type { SocketCap } from './socket-cap';

/**
 * One sorted set per user: member = socket id, score = when the entry lapses (Redis clock).
 * Admission drops lapsed entries first, so sockets of a crashed instance stop counting once
 * its refreshes stop.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

// by digest: a connect sends the script's 40-byte name, not its text (loaded on first NOSCRIPT)
const ADMIT_SHA = createHash('sha1').update(ADMIT).digest('hex');

const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return #KEYS
`;

/**
 * The cap across every instance. This instance's own cap (memory) always applies as well;
 * while Redis is away it is the only one, so a Redis outage never refuses every handshake.
 * Entries live `ttlMs` and are refreshed every ttlMs / 3 for the sockets still open here.
 */
export class RedisSocketCap implements SocketCap {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: {
      guard: RedisGuard;
      prefix: string;
      max: number;
      local: MemorySocketCap;
      ttlMs?: number;
      onFallback?: (err: unknown) => void;
    },
  ) {
    this.timer = setInterval(() => void this.refresh(), this.ttl / 3);
    this.timer.unref();
  }

  private get ttl(): number {
    return this.deps.ttlMs ?? 60_000;
  }

  private key(userId: string): string {
    // {userId}: one slot per user on a Redis Cluster, like the user's presence keys
    return `${this.deps.prefix}sockets:{${userId}}`;
  }

  async admit(userId: string, socketId: string): Promise<boolean> {
    if (!this.deps.local.admitNow(userId, socketId)) return false;
    try {
      const args = [this.key(userId), socketId, String(this.deps.max), String(this.ttl)] as const;
      const ok = await this.deps.guard.run((r) =>
        (r.evalsha(ADMIT_SHA, 1, ...args) as Promise<number>).catch((err: Error) =>
          /NOSCRIPT/.test(err.message) ? (r.eval(ADMIT, 1, ...args) as Promise<number>) : Promise.reject(err),
        ),
      );
      if (ok !== 1) this.deps.local.release(userId, socketId);
      return ok === 1;
    } catch (err) {
      this.deps.onFallback?.(err);
      return true;
    }
  }

  release(userId: string, socketId: string): void {
    this.deps.local.release(userId, socketId);
    this.deps.guard
      .run((r) => r.zrem(this.key(userId), socketId))
      .catch(() => {
        // lapses on its own after ttl
      });
  }

  async refresh(): Promise<void> {
    const keys: string[] = [];
    const members: string[] = [];
    for (const [userId, socketId] of this.deps.local.entries()) {
      keys.push(this.key(userId));
      members.push(socketId);
    }
    const ttl = String(this.ttl);
    for (let i = 0; i < keys.length; i += 500) {
      const k = keys.slice(i, i + 500);
      const m = members.slice(i, i + 500);
      await this.deps.guard
        .run((r) =>
          // A script may touch one slot only on a cluster, and each user's key is its own slot:
          // one call per key there (sent in one tick), one call per 500 keys on a single Redis.
          isCluster(r)
            ? Promise.all(k.map((key, j) => r.eval(REFRESH, 1, key, ttl, m[j]!)))
            : r.eval(REFRESH, k.length, ...k, ttl, ...m),
        )
        .catch((err: unknown) => this.deps.onFallback?.(err));
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
