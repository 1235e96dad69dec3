import type { Logger } from '../infra/logger';
import type { RedisPresenceStore } from './redis-presence-store';

/**
 * Runs on every instance: removes the Redis presence entries of instances whose heartbeat is
 * gone, so the users of a SIGKILLed or partitioned instance stop looking online. Reaping twice
 * (two instances at once) is harmless: the reap script only drops entries still owned by the
 * dead instance. `afterSweep` lets the owner run its own drift check on the same timer.
 */
export class PresenceReaper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly reapedListeners = new Set<(userIds: string[]) => void>();

  constructor(
    private readonly deps: {
      store: Pick<RedisPresenceStore, 'instanceId' | 'instancesWithEntries' | 'purgeInstance'>;
      /** ids of instances alive now (heartbeat fresh) */
      liveInstanceIds: () => Promise<Set<string>>;
      intervalMs: number;
      logger: Logger;
      afterSweep?: () => Promise<void>;
    },
  ) {}

  /** one pass; returns the instances reaped */
  async sweep(): Promise<string[]> {
    const { store, logger } = this.deps;
    const holders = await store.instancesWithEntries();
    if (holders.length === 0) return [];
    const live = await this.deps.liveInstanceIds();
    const dead = holders.filter((id) => id !== store.instanceId && !live.has(id));
    for (const id of dead) {
      const users = await store.purgeInstance(id);
      logger.info({ instance: id, users: users.length }, 'presence: reaped entries of a dead instance');
      // Only the instance whose script removed the entries hears of them, so a crash is
      // followed up once even when several instances sweep at the same moment.
      if (users.length > 0) for (const l of this.reapedListeners) l(users);
    }
    return dead;
  }

  /** The realtime layer re-checks these users: a crashed instance never said they left. */
  onReaped(listener: (userIds: string[]) => void): () => void {
    this.reapedListeners.add(listener);
    return () => this.reapedListeners.delete(listener);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sweep();
      await this.deps.afterSweep?.();
    } catch (err) {
      this.deps.logger.debug({ err: (err as Error).message }, 'presence reaper: sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}

/**
 * Live = heartbeat key present and refreshed within `staleAfterMs`. The age check (2.5 beat
 * intervals by default) is what lets a SIGKILLed instance be reaped within the heartbeat TTL
 * instead of TTL + one sweep; it compares the instance's lastSeen with this host's clock, so
 * it assumes clocks within a few seconds of each other (NTP).
 */
export function freshInstanceIds(
  list: () => Promise<Array<{ id: string; lastSeen: string }>>,
  staleAfterMs: number,
  now: () => number = Date.now,
): () => Promise<Set<string>> {
  return async () => {
    const instances = await list();
    const cutoff = now() - staleAfterMs;
    return new Set(instances.filter((i) => Date.parse(i.lastSeen) >= cutoff).map((i) => i.id));
  };
}
