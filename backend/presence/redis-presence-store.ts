import type { RedisClient } from '../infra/redis';
import type { PresenceStore } from './presence-store';

/** Runs a Redis call; the circuit breaker guard plugs in here (default: call it directly). */
export type RedisCall = <T>(op: () => Promise<T>) => Promise<T>;
const direct: RedisCall = (op) => op();

// Keys carry hash tags so that, on a Redis Cluster, each script and transaction touches one
// slot only: a user's keys hash by {userId}, an instance's entry list by {instanceId}.
// A user's sockets on every instance: one hash per user, socketId → instanceId, so a reaper
// can drop a dead instance's devices without touching the user's devices elsewhere.
const userKey = (p: string, userId: string) => `${p}presence:u:{${userId}}`;
// Per instance, its entries as "userId|socketId": what the reaper and the owner's reconcile walk.
const instanceKey = (p: string, instanceId: string) => `${p}presence:i:{${instanceId}}`;
// Instances that may hold entries, so a reaper finds them after their heartbeat is gone.
const instancesKey = (p: string) => `${p}presence:instances`;

const member = (userId: string, socketId: string) => `${userId}|${socketId}`;
function parseMember(m: string): [string, string] {
  const sep = m.lastIndexOf('|');
  return [m.slice(0, sep), m.slice(sep + 1)];
}

// One user's hash (its only key, so one slot): drops the given sockets that still point at the
// reaped instance, so a reap never races the owner re-adding after a restart with the same id.
// Returns how many it dropped: the reaper that dropped them is the one that reports the user.
const REAP_USER_SCRIPT = `
local n = 0
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
`;

// Reaping issues this many per-user scripts at once: enough to overlap round trips, few
// enough not to queue thousands of commands behind one dead instance.
const REAP_BATCH = 200;

/**
 * Presence in Redis, shared by every instance. Each entry carries the instance it lives on, so
 * a crashed instance's devices can be removed by anyone (see PresenceReaper) and an instance
 * can rewrite exactly its own entries (reconcile) after an outage or a mode switch.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly p: string;
  private readonly call: RedisCall;

  constructor(
    private readonly deps: { redis: RedisClient; prefix: string; instanceId: string; call?: RedisCall },
  ) {
    this.p = deps.prefix;
    this.call = deps.call ?? direct;
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  async add(userId: string, socketId: string): Promise<void> {
    const { redis, instanceId } = this.deps;
    // Three slots, so no transaction: sent in one tick, in the order that keeps the reaper's
    // invariant (an entry is listed under its instance before it exists), and each key's
    // commands travel one connection in call order, so a later remove() lands after them.
    await this.call(() =>
      Promise.all([
        redis.sadd(instancesKey(this.p), instanceId),
        redis.sadd(instanceKey(this.p, instanceId), member(userId, socketId)),
        redis.hset(userKey(this.p, userId), socketId, instanceId),
      ]),
    );
  }

  async remove(userId: string, socketId: string): Promise<void> {
    const { redis, instanceId } = this.deps;
    // the entry goes before its listing, for the same invariant as add()
    await this.call(() =>
      Promise.all([
        redis.hdel(userKey(this.p, userId), socketId),
        redis.srem(instanceKey(this.p, instanceId), member(userId, socketId)),
      ]),
    );
  }

  async count(userId: string): Promise<number> {
    return this.call(() => this.deps.redis.hlen(userKey(this.p, userId)));
  }

  async isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    // one command per user (a user per slot on a cluster); sent in one tick, so one round trip
    const counts = await this.call(() =>
      Promise.all(unique.map((id) => this.deps.redis.exists(userKey(this.p, id)))),
    );
    const byId = new Map(unique.map((id, i) => [id, counts[i]! > 0]));
    return new Map(userIds.map((id) => [id, byId.get(id)!]));
  }

  /** each user's sockets that live on `instanceId`: what a shadow read compares with memory */
  async socketsOn(userIds: string[], instanceId: string): Promise<Map<string, Set<string>>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const hashes = await this.call(() =>
      Promise.all(unique.map((id) => this.deps.redis.hgetall(userKey(this.p, id)))),
    );
    const out = new Map<string, Set<string>>();
    unique.forEach((id, i) => {
      const own = new Set<string>();
      for (const [socketId, owner] of Object.entries(hashes[i]!)) if (owner === instanceId) own.add(socketId);
      out.set(id, own);
    });
    return out;
  }

  /** how many entries Redis holds for this instance (a cheap drift check) */
  async ownCount(): Promise<number> {
    return this.call(() => this.deps.redis.scard(instanceKey(this.p, this.deps.instanceId)));
  }

  /**
   * Makes this instance's entries in Redis equal `desired()`. desired is called after Redis
   * answered and the writes are sent in the same tick, so no write of ours started in between
   * can be undone (commands on one connection run in order). Returns what it changed.
   */
  async reconcile(
    desired: () => Array<[userId: string, socketId: string]>,
  ): Promise<{ added: Array<[string, string]>; removed: Array<[string, string]> }> {
    const { redis, instanceId } = this.deps;
    const iKey = instanceKey(this.p, instanceId);
    return this.call(async () => {
      const existing = new Set(await redis.smembers(iKey));
      const want = new Map(desired().map(([u, s]) => [member(u, s), [u, s] as [string, string]]));
      const added: Array<[string, string]> = [];
      const removed: Array<[string, string]> = [];
      // Every write below is sent in this tick (listings before entries, as in add()); the
      // keys span slots, so there is no transaction, but each write is idempotent and the
      // next drift check repairs one that failed.
      const writes: Array<Promise<unknown>> = [];
      if (want.size > 0)
        writes.push(redis.sadd(instancesKey(this.p), instanceId), redis.sadd(iKey, ...want.keys()));
      for (const [m, [u, s]] of want) {
        // re-set even when present: the owner field may point at a previous incarnation
        writes.push(redis.hset(userKey(this.p, u), s, instanceId));
        if (!existing.has(m)) added.push([u, s]);
      }
      for (const m of existing) {
        if (want.has(m)) continue;
        const [u, s] = parseMember(m);
        removed.push([u, s]);
        writes.push(redis.hdel(userKey(this.p, u), s));
      }
      if (removed.length > 0) writes.push(redis.srem(iKey, ...removed.map(([u, s]) => member(u, s))));
      await Promise.all(writes);
      return { added, removed };
    });
  }

  /** instances that may still hold entries */
  async instancesWithEntries(): Promise<string[]> {
    return this.call(() => this.deps.redis.smembers(instancesKey(this.p)));
  }

  /**
   * Drops the instance's entries that it still owns; returns the users who lost a device.
   * Slot-safe: the listing is read from its one key, then each user's hash is cleaned by a
   * script that touches that hash only, and only the members read are unlisted, so entries
   * the owner added meanwhile (a restart with the same id) stay listed.
   */
  async purgeInstance(instanceId: string): Promise<string[]> {
    const { redis } = this.deps;
    const iKey = instanceKey(this.p, instanceId);
    return this.call(async () => {
      const members = await redis.smembers(iKey);
      const byUser = new Map<string, string[]>();
      for (const m of members) {
        const [u, s] = parseMember(m);
        byUser.set(u, [...(byUser.get(u) ?? []), s]);
      }
      const users: string[] = [];
      const entries = [...byUser];
      for (let i = 0; i < entries.length; i += REAP_BATCH) {
        const batch = entries.slice(i, i + REAP_BATCH);
        const dropped = await Promise.all(
          batch.map(
            ([u, sockets]) =>
              redis.eval(REAP_USER_SCRIPT, 1, userKey(this.p, u), instanceId, ...sockets) as Promise<number>,
          ),
        );
        batch.forEach(([u], j) => {
          if (dropped[j]! > 0) users.push(u);
        });
      }
      for (let i = 0; i < members.length; i += REAP_BATCH * 5)
        await redis.srem(iKey, ...members.slice(i, i + REAP_BATCH * 5));
      // unlisted only once empty: an owner that came back meanwhile keeps being found
      if ((await redis.scard(iKey)) === 0) await redis.srem(instancesKey(this.p), instanceId);
      return users;
    });
  }
}
