import type { FlagReader } from '../flags/flag-reader';
import { redisFeaturesWithoutFallback } from '../flags/redis-fallbacks';
import type { RedisGuard } from '../infra/guarded-redis';
import type { HealthProbes } from './health-service';

/**
 * The /health Redis check: a PING through the breaker (so health traffic also notices an
 * outage), answered at once while the breaker is open. hasFallback decides degraded vs fail.
 */
export function redisProbe(guard: RedisGuard, flags: FlagReader): NonNullable<HealthProbes['redis']> {
  return async () => {
    const hasFallback = redisFeaturesWithoutFallback(flags.snapshot()).length === 0;
    try {
      const latencyMs = await guard.ping();
      return {
        status: 'ok',
        latencyMs: Math.round(latencyMs * 100) / 100,
        breaker: guard.state,
        hasFallback,
      };
    } catch (err) {
      return { status: 'fail', error: (err as Error).message, breaker: guard.state, hasFallback };
    }
  };
}
