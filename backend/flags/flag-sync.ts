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
 *
 * A notice this instance could not publish (Redis away, or its breaker still open) is sent again
 * with backoff until it goes out, a newer one replaces it, or a poll interval has passed (by
 * then every peer has polled): a change made during an outage reaches the peers as soon as Redis
 * is back, not a whole poll later.
 */
export class FlagSync {
  private pending: { notice: ChangeNotice; since: number; timer?: NodeJS.Timeout } | undefined;

  constructor(
    private readonly deps: {
      subscriber: RedisClient;
      guard: RedisGuard;
      channel: string;
      instanceId: string;
      flags: { refresh(trigger: RefreshTrigger): Promise<void> };
      logger: Logger;
      /** how long an unpublished notice is retried: the peers' poll interval */
      retryForMs: number;
      /** first retry delay, doubled per attempt up to 5 s */
      retryBaseMs?: number;
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

  /** Best effort: false when it did not go out now (it is retried in the background). */
  async publish(flag: string, version: number): Promise<boolean> {
    this.dropPending(); // any notice means "re-read": the newest one stands for all before it
    const notice: ChangeNotice = { flag, version, instance: this.deps.instanceId };
    if (await this.send(notice)) return true;
    this.pending = { notice, since: Date.now() };
    this.retryLater(0);
    return false;
  }

  /** Stops retrying (shutdown). */
  stop(): void {
    this.dropPending();
  }

  private async send(notice: ChangeNotice, retry = false): Promise<boolean> {
    try {
      await this.deps.guard.run((r) => r.publish(this.deps.channel, JSON.stringify(notice)));
      return true;
    } catch (err) {
      // once per change, not once per retry
      if (!retry)
        this.deps.logger.warn(
          { err: (err as Error).message, flag: notice.flag },
          'flag change not published yet; retrying, and peers poll',
        );
      return false;
    }
  }

  private retryLater(attempt: number): void {
    const pending = this.pending;
    if (!pending) return;
    if (Date.now() - pending.since > this.deps.retryForMs) {
      this.pending = undefined;
      return;
    }
    const delay = Math.min((this.deps.retryBaseMs ?? 250) * 2 ** attempt, 5000);
    pending.timer = setTimeout(async () => {
      if (this.pending !== pending) return;
      if (await this.send(pending.notice, true)) {
        if (this.pending === pending) this.pending = undefined;
      } else if (this.pending === pending) this.retryLater(attempt + 1);
    }, delay);
    pending.timer.unref();
  }

  private dropPending(): void {
    if (this.pending?.timer) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  private refresh(trigger: RefreshTrigger): void {
    this.deps.flags.refresh(trigger).catch((err: Error) => {
      this.deps.logger.warn({ err: err.message, trigger }, 'flag refresh failed; the poll retries');
    });
  }
}
