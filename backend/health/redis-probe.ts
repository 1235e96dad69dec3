import { flagsWithoutRedisFallback } from '../config/redis-requirements';
import type { FlagReader } from '../flags/flag-reader';
import type { RedisGuard } from '../infra/redis-guard';
import { checkFailure, type HealthProbes } from './health-service';

/**
 * The /health Redis check: a PING through the breaker (so health traffic also notices an
 * outage), answered at once while the breaker is open. hasFallback decides degraded vs fail.
 */
export function redisProbe(guard: RedisGuard, flags: FlagReader): NonNullable<HealthProbes['redis']> {
  return async () => {
    const hasFallback = flagsWithoutRedisFallback(flags.snapshot()).length === 0;
    try {
      const latencyMs = await guard.ping();
      return {
        status: 'ok',
        latencyMs: Math.round(latencyMs * 100) / 100,
        breaker: guard.state,
        hasFallback,
      };
    } catch (err) {
      return { status: 'fail', error: checkFailure(err), breaker: guard.state, hasFallback };
    }
  };
}
