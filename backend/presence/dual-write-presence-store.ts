import type { FlagReader } from '../flags/flag-reader';
import { rolloutBucket } from '../flags/rollout-bucket';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { MemoryPresenceStore } from './memory-presence-store';
import type { PresenceStore } from './presence-store';
import type { RedisPresenceStore } from './redis-presence-store';
import type { ShadowTally } from './shadow-tally';

const WARN_EVERY_MS = 10_000;

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string> | undefined) =>
  b !== undefined && a.size === b.size && [...a].every((x) => b.has(x));

/**
 * Writes both stores; memory is primary for writes (it always succeeds and is the fallback),
 * Redis is best-effort: a failed Redis write is logged at WARN, counted and never fails the
 * caller (the reconcile after an outage repairs it). Reads go to Redis for the users whose
 * bucket is under presence.redisReadPercent (all users in `redis` mode), to memory otherwise,
 * and fall back to memory when Redis fails. With presence.shadowRead, every read is compared
 * off the request path on what both stores know: this instance's own sockets.
 */
export class DualWritePresenceStore implements PresenceStore {
  /** users with a Redis write in flight: comparing them now would report a false mismatch */
  private readonly pending = new Map<string, number>();
  private reconciling = 0;
  /** Redis writes started so far, to tell whether one ran during a drift check */
  private writes = 0;
  private readonly warned = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly deps: {
      memory: MemoryPresenceStore;
      redis: RedisPresenceStore;
      flags: Pick<FlagReader, 'get'>;
      metrics: Pick<Metrics, 'presenceReads' | 'presenceShadow' | 'presenceSecondaryFailures'>;
      tally: ShadowTally;
      logger: Logger;
    },
  ) {}

  async add(userId: string, socketId: string): Promise<void> {
    this.deps.memory.addNow(userId, socketId);
    await this.secondaryWrite('add', userId, () => this.deps.redis.add(userId, socketId));
  }

  async remove(userId: string, socketId: string): Promise<void> {
    this.deps.memory.removeNow(userId, socketId);
    await this.secondaryWrite('remove', userId, () => this.deps.redis.remove(userId, socketId));
  }

  async count(userId: string): Promise<number> {
    const { memory, redis, metrics } = this.deps;
    let n: number;
    if (this.readRoute()(userId)) {
      try {
        n = await redis.count(userId);
        metrics.presenceReads.inc({ store: 'redis' });
      } catch (err) {
        this.readFailed(err, 1);
        n = await memory.count(userId);
      }
    } else {
      n = await memory.count(userId);
      metrics.presenceReads.inc({ store: 'memory' });
    }
    this.shadow([userId]);
    return n;
  }

  async isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    const { memory, redis, metrics } = this.deps;
    const toRedis: string[] = [];
    const toMemory: string[] = [];
    const route = this.readRoute();
    for (const id of userIds) (route(id) ? toRedis : toMemory).push(id);
    let fromRedis: Map<string, boolean> | undefined;
    if (toRedis.length > 0) {
      try {
        fromRedis = await redis.isOnline(toRedis);
        metrics.presenceReads.inc({ store: 'redis' }, toRedis.length);
      } catch (err) {
        this.readFailed(err, toRedis.length);
      }
    }
    const fromMemory = await memory.isOnline(fromRedis ? toMemory : userIds);
    if (toMemory.length > 0) metrics.presenceReads.inc({ store: 'memory' }, toMemory.length);
    this.shadow(userIds);
    return new Map(userIds.map((id) => [id, fromRedis?.get(id) ?? fromMemory.get(id) ?? false]));
  }

  /**
   * Rewrites this instance's Redis entries from memory (entering dual-write or redis mode, and
   * after Redis comes back). The shadow tally restarts once Redis holds the repaired state.
   */
  async backfill(opts: { restartTally?: boolean } = {}): Promise<{ added: number; removed: number }> {
    return this.whileReconciling(async () => {
      const { memory, redis, tally } = this.deps;
      const result = await redis.reconcile(() => memory.entries());
      await this.fixRaces(result);
      if (opts.restartTally ?? true) tally.reset();
      return { added: result.added.length, removed: result.removed.length };
    });
  }

  /** Removes this instance's entries from Redis (going back to `memory`, or shutting down). */
  async purge(): Promise<{ added: number; removed: number }> {
    return this.whileReconciling(async () => {
      const result = await this.deps.redis.reconcile(() => []);
      return { added: 0, removed: result.removed.length };
    });
  }

  /**
   * Whether Redis holds a different number of this instance's entries than it should (all of
   * memory when Redis is in use, none otherwise): a write lost to a timeout without a
   * reconnect, or entries reaped while this instance could not beat. Undecided (false) while
   * writes are in flight.
   */
  async drifted(usesRedis: boolean): Promise<boolean> {
    const settled = () => this.pending.size === 0 && this.reconciling === 0;
    if (!settled()) return false;
    const writes = this.writes;
    const expected = usesRedis ? this.deps.memory.size : 0;
    const actual = await this.deps.redis.ownCount();
    return settled() && writes === this.writes && actual !== expected;
  }

  /** flags read once per call (live, never cached across calls); true = read from Redis */
  private readRoute(): (userId: string) => boolean {
    const { flags } = this.deps;
    if (flags.get('presence.mode') === 'redis') return () => true;
    const percent = flags.get('presence.redisReadPercent');
    if (percent <= 0) return () => false;
    if (percent >= 100) return () => true;
    return (userId) => rolloutBucket('presence.redisReadPercent', userId) < percent;
  }

  private readFailed(err: unknown, users: number): void {
    const { metrics } = this.deps;
    metrics.presenceReads.inc({ store: 'memory-fallback' }, users);
    metrics.presenceSecondaryFailures.inc({ op: 'read' });
    this.warn('read', err, 'presence: Redis read failed, answered from memory');
  }

  // One WARN per kind per 10 s: an outage fails every call, and the counters carry the volume.
  private warn(op: string, err: unknown, msg: string): void {
    const now = Date.now();
    const last = this.warned.get(op);
    if (last && now - last.at < WARN_EVERY_MS) {
      last.suppressed += 1;
      return;
    }
    this.deps.logger.warn({ err: (err as Error).message, op, suppressed: last?.suppressed ?? 0 }, msg);
    this.warned.set(op, { at: now, suppressed: 0 });
  }

  private async secondaryWrite(op: 'add' | 'remove', userId: string, write: () => Promise<void>) {
    this.writes += 1;
    this.pending.set(userId, (this.pending.get(userId) ?? 0) + 1);
    try {
      await write();
    } catch (err) {
      this.deps.metrics.presenceSecondaryFailures.inc({ op });
      this.warn(op, err, 'presence: Redis write failed');
    } finally {
      const left = (this.pending.get(userId) ?? 1) - 1;
      if (left > 0) this.pending.set(userId, left);
      else this.pending.delete(userId);
    }
  }

  private shadow(userIds: string[]): void {
    if (!this.deps.flags.get('presence.shadowRead')) return;
    // off the request path: the caller has its answer before the comparison starts
    setImmediate(() => void this.compare(userIds));
  }

  private async compare(userIds: string[]): Promise<void> {
    const { memory, redis, metrics, tally } = this.deps;
    const users = [...new Set(userIds)].filter((u) => !this.pending.has(u));
    if (users.length === 0 || this.reconciling > 0) return;
    const before = new Map(users.map((u) => [u, memory.socketsOf(u)]));
    let remote: Map<string, Set<string>>;
    try {
      remote = await redis.socketsOn(users, redis.instanceId);
    } catch {
      metrics.presenceShadow.inc({ result: 'error' }, users.length);
      for (const _ of users) tally.record('error');
      return;
    }
    if (this.reconciling > 0) return;
    for (const u of users) {
      const now = memory.socketsOf(u);
      // a write that started during the read makes either answer legitimately stale
      if (this.pending.has(u) || !sameSet(before.get(u)!, now)) continue;
      const result = sameSet(now, remote.get(u)) ? 'match' : 'mismatch';
      metrics.presenceShadow.inc({ result });
      tally.record(result);
      if (result === 'mismatch')
        this.deps.logger.debug(
          { userId: u, memory: now.size, redis: remote.get(u)?.size },
          'presence mismatch',
        );
    }
  }

  // A write that raced the reconcile through a reordering Redis guard could leave Redis off by
  // one entry; re-check what the reconcile changed against memory now.
  private async fixRaces(result: {
    added: Array<[string, string]>;
    removed: Array<[string, string]>;
  }): Promise<void> {
    const { memory, redis } = this.deps;
    for (const [u, s] of result.added) if (!memory.socketsOf(u).has(s)) await redis.remove(u, s);
    for (const [u, s] of result.removed) if (memory.socketsOf(u).has(s)) await redis.add(u, s);
  }

  private async whileReconciling<T>(fn: () => Promise<T>): Promise<T> {
    this.reconciling += 1;
    try {
      return await fn();
    } finally {
      this.reconciling -= 1;
    }
  }
}
