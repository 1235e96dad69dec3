import type { FlagReader } from '../flags/flag-reader';
import type { Logger } from '../infra/logger';
import type { DualWritePresenceStore } from './dual-write-presence-store';
import type { MemoryPresenceStore } from './memory-presence-store';
import type { PresenceStore } from './presence-store';

/**
 * services.presence: picks the store by flag presence.mode on every call, so a live flag
 * change takes effect on the next read or write. Memory is written in every mode (it is the
 * fallback and the source of backfills), which is why going back to `memory` is instant;
 * `dual-write` and `redis` go through the dual-write store, which writes both and routes
 * reads. Without Redis every mode behaves as `memory`.
 *
 * sync() brings this instance's Redis entries in line with the mode: a backfill from memory
 * when Redis is in use, a purge when it is not. It runs on a mode change, when Redis is ready
 * (at start: the purge of a previous incarnation's stale entries; after an outage: the
 * backfill), and when a drift check finds Redis off. Syncs run one at a time and each reads
 * the mode when it starts, so flapping flags end in the state of the last value.
 */
export class SwitchingPresenceStore implements PresenceStore {
  private warnedNoRedis = false;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private retryMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private queuedRestart = false;

  constructor(
    private readonly deps: {
      memory: MemoryPresenceStore;
      /** the dual-write store (also serves `redis` mode); undefined without REDIS_URL */
      redisBacked: DualWritePresenceStore | undefined;
      flags: Pick<FlagReader, 'get' | 'onChange'>;
      logger: Logger;
    },
  ) {}

  /** listens for presence.mode changes; call once at start */
  start(): void {
    this.unsubscribe ??= this.deps.flags.onChange((name, value, previous) => {
      if (name !== 'presence.mode') return;
      this.deps.logger.info({ from: previous, to: value }, 'presence.mode changed');
      void this.sync(`mode ${String(previous)} → ${String(value)}`);
    });
  }

  /** stops listening and removes this instance's entries from Redis (others stop seeing them) */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running;
    await this.deps.redisBacked?.purge().catch(() => {});
  }

  get usesRedis(): boolean {
    return this.deps.redisBacked !== undefined && this.deps.flags.get('presence.mode') !== 'memory';
  }

  /**
   * Backfill or purge as the mode says. At most one sync runs and one waits: a request while
   * one waits joins it, since the waiting one will read the latest mode anyway. The shadow
   * tally restarts after a backfill on a mode change or a reconnect, not after a drift repair.
   */
  sync(reason: string, opts: { restartTally?: boolean } = {}): Promise<void> {
    const dual = this.deps.redisBacked;
    if (!dual) return Promise.resolve();
    this.queuedRestart ||= opts.restartTally ?? true;
    if (this.queued) return this.queued;
    const next = this.running.then(async () => {
      this.queued = undefined;
      const restartTally = this.queuedRestart;
      this.queuedRestart = false;
      const mode = this.deps.flags.get('presence.mode');
      try {
        const r = mode === 'memory' ? await dual.purge() : await dual.backfill({ restartTally });
        this.deps.logger.info(
          { reason, mode, added: r.added, removed: r.removed },
          mode === 'memory' ? 'presence: purged own Redis entries' : 'presence: backfilled Redis',
        );
        this.retryMs = 0;
        if (this.retryTimer) clearTimeout(this.retryTimer);
      } catch (err) {
        // Redis is away, or just back with its breaker still half-open: try again with backoff
        // (its 'ready' event and the drift check also trigger a sync)
        if (this.retryMs === 0)
          this.deps.logger.warn({ reason, mode, err: (err as Error).message }, 'presence: sync failed');
        this.retryMs = Math.min(Math.max(this.retryMs * 2, 250), 10_000);
        if (this.unsubscribe) {
          if (this.retryTimer) clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => void this.sync('retry'), this.retryMs);
          this.retryTimer.unref();
        }
      }
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  /** the reaper's periodic check: resync when Redis drifted from what this instance holds */
  async checkDrift(): Promise<void> {
    const dual = this.deps.redisBacked;
    // no tally restart: the mismatches that revealed the drift must stay visible
    if (dual && (await dual.drifted(this.usesRedis))) await this.sync('drift', { restartTally: false });
  }

  private active(): PresenceStore {
    const mode = this.deps.flags.get('presence.mode');
    if (mode === 'memory') return this.deps.memory;
    if (this.deps.redisBacked) return this.deps.redisBacked;
    if (!this.warnedNoRedis) {
      this.warnedNoRedis = true;
      this.deps.logger.warn({ mode }, 'presence.mode needs Redis (REDIS_URL unset): serving from memory');
    }
    return this.deps.memory;
  }

  add(userId: string, socketId: string): Promise<void> {
    return this.active().add(userId, socketId);
  }

  remove(userId: string, socketId: string): Promise<void> {
    return this.active().remove(userId, socketId);
  }

  count(userId: string): Promise<number> {
    return this.active().count(userId);
  }

  isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    return this.active().isOnline(userIds);
  }
}
