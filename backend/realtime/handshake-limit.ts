import { type ClientRateLimitInfo, MemoryStore, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { FlagReader } from '../flags/flag-reader';
import type { RedisGuard } from '../infra/redis-guard';
import { FailoverRateLimitStore } from '../rate-limits/failover-rate-limit-store';
import { redisSendCommand } from '../rate-limits/redis-send-command';

export interface HandshakeLimit {
  /** Counts one handshake from the address; false once the window's limit is passed. */
  allow(address: string): Promise<boolean>;
}

/**
 * Socket.IO handshakes per client address and window: the handshake is outside every HTTP
 * limiter, and each one costs a token check. The same stores as the HTTP limits (so the same
 * flags apply, and the same fallback: Redis away counts in this instance's memory).
 */
export function createHandshakeLimit(deps: {
  windowMs: number;
  limit: number;
  flags: FlagReader;
  redis?: { guard: RedisGuard; prefix: string } | undefined;
}): HandshakeLimit {
  const options = { windowMs: deps.windowMs } as Parameters<NonNullable<Store['init']>>[0];
  const memory = new MemoryStore();
  memory.init(options);
  let shared: Store | undefined;
  let ready: Promise<void> = Promise.resolve();
  if (deps.redis) {
    const fallback = new MemoryStore();
    fallback.init(options);
    const store = new FailoverRateLimitStore(
      new RedisStore({
        sendCommand: redisSendCommand(deps.redis.guard),
        prefix: `${deps.redis.prefix}rl:handshake:`,
      }),
      fallback,
      () => {},
    );
    shared = store;
    // RedisStore loads its script in init; a failure there only means the first calls fail over
    ready = Promise.resolve(store.init(options)).catch(() => {});
  }
  return {
    allow: async (address) => {
      if (!deps.flags.get('rateLimit.enabled')) return true;
      const store = deps.flags.get('rateLimit.store') === 'redis' && shared ? shared : memory;
      if (store === shared) await ready;
      const hit: ClientRateLimitInfo = await store.increment(address);
      return hit.totalHits <= deps.limit;
    },
  };
}
