import type { Logger } from '../infra/logger';
import type { RedisClient } from '../infra/redis';
import type { RedisGuard } from '../infra/redis-guard';
import type { RefreshTrigger } from './live-flags';

interface ChangeNotice {
  flag: string;
  version: number;
  instance: string;
}

/**
 * Redis pub/sub as the fast path of flag changes: the instance that wrote an override publishes
 * a notice, every other instance re-reads the store on it. The notice carries no value, so a
 * late or duplicate message can never apply a stale one. Pub/sub drops messages while a
 * subscriber is away, so a reconnect re-reads at once and the poll covers the rest.
 */
export class FlagSync {
  constructor(
    private readonly deps: {
      subscriber: RedisClient;
      guard: RedisGuard;
      channel: string;
      instanceId: string;
      flags: { refresh(trigger: RefreshTrigger): Promise<void> };
      logger: Logger;
    },
  ) {}

  start(): void {
    const { subscriber, channel, logger } = this.deps;
    subscriber.on('message', (ch: string, raw: string) => {
      if (ch !== channel) return;
      let notice: Partial<ChangeNotice> = {};
      try {
        notice = JSON.parse(raw) as ChangeNotice;
      } catch {
        // any message on our channel means "something changed"; re-reading is always safe
      }
      if (notice.instance === this.deps.instanceId) return;
      this.refresh('message');
    });
    // Every (re)connect re-reads: notices published while the subscriber was away are gone,
    // including those between the start's load and the first connect.
    subscriber.on('ready', () => this.refresh('reconnect'));
    // The subscriber queues this until connected, and ioredis resubscribes after reconnects.
    subscriber.subscribe(channel).catch((err: Error) => {
      logger.warn({ err: err.message }, 'flag sync: subscribe failed; changes arrive by poll only');
    });
  }

  /** Best effort: a lost notice only delays other instances until their next poll. */
  async publish(flag: string, version: number): Promise<boolean> {
    const notice: ChangeNotice = { flag, version, instance: this.deps.instanceId };
    try {
      await this.deps.guard.run((r) => r.publish(this.deps.channel, JSON.stringify(notice)));
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, flag }, 'flag change not published; peers poll');
      return false;
    }
  }

  private refresh(trigger: RefreshTrigger): void {
    this.deps.flags.refresh(trigger).catch((err: Error) => {
      this.deps.logger.warn({ err: err.message, trigger }, 'flag refresh failed; the poll retries');
    });
  }
}
