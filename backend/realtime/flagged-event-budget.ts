import type { FlagReader } from '../flags/flag-reader';
import type { EventBudget } from './event-budget';

/**
 * The budget the flags choose now, like the HTTP limits: rateLimit.enabled off lets every
 * event through, rateLimit.store picks this instance's memory or the shared Redis store.
 */
export class FlaggedEventBudget implements EventBudget {
  constructor(
    private readonly deps: { flags: FlagReader; memory: EventBudget; shared: EventBudget | undefined },
  ) {}

  take(userId: string): boolean | Promise<boolean> {
    if (!this.deps.flags.get('rateLimit.enabled')) return true;
    const store = this.deps.flags.get('rateLimit.store') === 'redis' ? this.deps.shared : undefined;
    return (store ?? this.deps.memory).take(userId);
  }
}
