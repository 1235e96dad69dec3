import type { RedisGuard } from '../infra/redis-guard';
import type { BudgetSettings, EventBudget } from './event-budget';
import type { MemoryEventBudget } from './memory-event-budget';

/**
 * The token bucket in one Lua call, timed by Redis's clock so instances with skewed clocks
 * share one notion of "now". The key expires once the bucket would be full again.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return ok
`;

/**
 * The budget shared by every instance. While Redis is away (breaker open, timeouts) each
 * instance counts in its own memory instead, like the login limit: a per-instance budget is
 * still a budget, and an outage must not silence every socket.
 */
export class RedisEventBudget implements EventBudget {
  private readonly ratePerMs: number;
  private readonly ttlMs: number;

  constructor(
    private readonly deps: {
      guard: RedisGuard;
      prefix: string;
      settings: BudgetSettings;
      fallback: MemoryEventBudget;
      onFallback?: (err: unknown) => void;
    },
  ) {
    this.ratePerMs = deps.settings.ratePerSecond / 1000;
    this.ttlMs = Math.ceil((deps.settings.burst / this.ratePerMs) * 1.1) + 1000;
  }

  async take(userId: string): Promise<boolean> {
    try {
      const ok = await this.deps.guard.run(
        (r) =>
          r.eval(
            TAKE,
            1,
            `${this.deps.prefix}budget:{${userId}}`,
            String(this.ratePerMs),
            String(this.deps.settings.burst),
            String(this.ttlMs),
          ) as Promise<number>,
      );
      return ok === 1;
    } catch (err) {
      this.deps.onFallback?.(err);
      return this.deps.fallback.takeNow(userId);
    }
  }
}
