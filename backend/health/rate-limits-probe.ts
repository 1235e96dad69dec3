import type { FlagReader } from '../flags/flag-reader';
import type { HealthProbes, LimitStore } from './health-service';

/** What each set of limits reports: limit name → where it counts now. */
export interface LimitStores {
  stores(): Record<string, LimitStore>;
}

/**
 * /health's checks.rateLimits: the store rateLimit.store puts in force and, per limit, where it
 * counts (redis: one budget for every instance; memory: one per instance). Reads state only.
 */
export function rateLimitsProbe(
  flags: FlagReader,
  ...sources: LimitStores[]
): NonNullable<HealthProbes['rateLimits']> {
  return () => ({
    status: flags.get('rateLimit.enabled') ? 'ok' : 'disabled',
    store: flags.get('rateLimit.store'),
    limits: Object.assign({}, ...sources.map((s) => s.stores())),
  });
}
