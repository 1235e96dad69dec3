import { RateLimitedError } from '../errors/app-error';
import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { RedisGuard } from '../infra/redis-guard';

/** One kind of action a user may do `limit` times per `windowMs` (a fixed window per user). */
export interface QuotaRule {
  /** a short stable name: part of the counter's key and of the metric label */
  name: string;
  limit: number;
  windowMs: number;
}

export type QuotaVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Counts one action against a window; the store behind it is shared or this instance's. */
export interface QuotaCounter {
  /** the count in the key's window after this hit, and the milliseconds until the window ends */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
}

/** Per-user counters of actions that reach other people (posts, follows, new conversations). */
export interface UserQuotas {
  /** counts one `rule` action of the user: ok, or when the user may try again */
  take(rule: QuotaRule, userId: string): Promise<QuotaVerdict>;
  /** the same, throwing RateLimitedError (429 RATE_LIMITED with retryAfterSeconds) when over */
  spend(rule: QuotaRule, userId: string): Promise<void>;
  /** where the counters are now */
  store(): 'redis' | 'memory';
}

/** This instance's windows; an ended window is the same as none, so they are swept as the map grows. */
export class MemoryQuotaCounter implements QuotaCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || w.endsAt <= t) {
      if (this.windows.size >= 50_000) this.sweep(t);
      w = { count: 0, endsAt: t + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { count: w.count, resetMs: w.endsAt - t };
  }

  private sweep(t: number): void {
    for (const [key, w] of this.windows) if (w.endsAt <= t) this.windows.delete(key);
  }
}

/** INCR, the window's expiry on the first hit (or a key that lost it), and the time left: one round trip. */
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** Counters in Redis under `<prefix>quota:`, shared by every instance; through the breaker. */
export class RedisQuotaCounter implements QuotaCounter {
  constructor(
    private readonly deps: {
      guard: RedisGuard;
      prefix: string;
      /** Redis away: count here instead (a limit per instance is still a limit) */
      fallback?: QuotaCounter;
      onFallback?: (err: unknown) => void;
    },
  ) {}

  async hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }> {
    try {
      const [count, ttl] = (await this.deps.guard.run((r) =>
        r.eval(HIT_SCRIPT, 1, `${this.deps.prefix}quota:${key}`, String(windowMs)),
      )) as [number, number];
      return { count: Number(count), resetMs: Number(ttl) };
    } catch (err) {
      if (!this.deps.fallback) throw err;
      this.deps.onFallback?.(err);
      return this.deps.fallback.hit(key, windowMs);
    }
  }
}

/** spend() over take(): over the limit is RateLimitedError, retryAfterSeconds in the body. */
function spendWith(take: UserQuotas['take']): UserQuotas['spend'] {
  return async (rule, userId) => {
    const verdict = await take(rule, userId);
    if (!verdict.ok)
      throw new RateLimitedError(
        `Too many ${rule.name} actions: at most ${rule.limit} per ${Math.round(rule.windowMs / 1000)} s; retry after retryAfterSeconds`,
        verdict.retryAfterSeconds,
      );
  };
}

/** Quotas over a counter: the count in the window over the rule's limit answers when to retry. */
export function quotasOver(
  counter: QuotaCounter,
  store: () => 'redis' | 'memory' = () => 'memory',
): UserQuotas {
  const take = async (rule: QuotaRule, userId: string): Promise<QuotaVerdict> => {
    const { count, resetMs } = await counter.hit(`${rule.name}:${userId}`, rule.windowMs);
    if (count <= rule.limit) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
  };
  return {
    take,
    spend: spendWith(take),
    store,
  };
}

/**
 * The per-user quotas as the flags choose them now, like the other limiters: rateLimit.enabled
 * off lets everything through, rateLimit.store picks Redis (shared by the instances; this
 * instance's memory while Redis is away) or this instance's memory.
 */
export function createUserQuotas(deps: {
  flags: FlagReader;
  logger: Logger;
  redis?: { guard: RedisGuard; prefix: string } | undefined;
  metrics?: { rateLimited: { inc(labels: { limiter: string }): void } };
}): UserQuotas {
  const memory = new MemoryQuotaCounter();
  let warnedAt = 0;
  const shared =
    deps.redis &&
    new RedisQuotaCounter({
      ...deps.redis,
      fallback: memory,
      onFallback: (err) => {
        if (Date.now() - warnedAt < 10_000) return;
        warnedAt = Date.now();
        deps.logger.warn({ err: (err as Error)?.message }, 'user quotas: Redis away, counting locally');
      },
    });
  const useRedis = () => deps.flags.get('rateLimit.store') === 'redis' && shared !== undefined;
  const onMemory = quotasOver(memory);
  const onRedis = shared && quotasOver(shared);
  const pick = () => (useRedis() && onRedis ? onRedis : onMemory);
  const take = async (rule: QuotaRule, userId: string): Promise<QuotaVerdict> => {
    if (!deps.flags.get('rateLimit.enabled')) return { ok: true };
    const verdict = await pick().take(rule, userId);
    if (!verdict.ok) deps.metrics?.rateLimited.inc({ limiter: `quota:${rule.name}` });
    return verdict;
  };
  return {
    take,
    spend: spendWith(take),
    store: () => (useRedis() ? 'redis' : 'memory'),
  };
}

/** One rule of the quotas, as a service takes it: spend one action of the user, or throw 429. */
export interface Quota {
  spend(userId: string): Promise<void>;
}

export function quotaOf(quotas: UserQuotas, rule: QuotaRule): Quota {
  return { spend: (userId) => quotas.spend(rule, userId) };
}
