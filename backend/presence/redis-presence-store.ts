import type { Redis } from 'ioredis';
import type { PresenceStore } from './presence-store';

/** Runs a Redis call; the circuit breaker guard plugs in here (default: call it directly). */
export type RedisCall = <T>(op: () => Promise<T>) => Promise<T>;
const direct: RedisCall = (op) => op();

// A user's sockets on every instance: one hash per user, socketId → instanceId, so a reaper
// can drop a dead instance's devices without touching the user's devices elsewhere.
const userKey = (p: string, userId: string) => `${p}presence:u:${userId}`;
// Per instance, its entries as "userId|socketId": what the reaper and the owner's reconcile walk.
const instanceKey = (p: string, instanceId: string) => `${p}presence:i:${instanceId}`;
// Instances that may hold entries, so a reaper finds them after their heartbeat is gone.
const instancesKey = (p: string) => `${p}presence:instances`;

const member = (userId: string, socketId: string) => `${userId}|${socketId}`;
function parseMember(m: string): [string, string] {
  const sep = m.lastIndexOf('|');
  return [m.slice(0, sep), m.slice(sep + 1)];
}

// Atomic so a reap never races the owner re-adding after a restart with the same id: an entry
// is only dropped while it still points at the reaped instance.
const REAP_SCRIPT = `
local members = redis.call('SMEMBERS', KEYS[1])
local users = {}
local seen = {}
for _, m in ipairs(members) do
  local sep = string.find(m, '|[^|]*$')
  local user = string.sub(m, 1, sep - 1)
  local socket = string.sub(m, sep + 1)
  local k = ARGV[1] .. user
  if redis.call('HGET', k, socket) == ARGV[2] then
    redis.call('HDEL', k, socket)
    if not seen[user] then
      seen[user] = true
      users[#users + 1] = user
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return users
`;

function check<T>(results: Array<[Error | null, unknown]> | null): T[] {
  if (!results) throw new Error('redis transaction aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value as T;
  });
}

/**
 * Presence in Redis, shared by every instance. Each entry carries the instance it lives on, so
 * a crashed instance's devices can be removed by anyone (see PresenceReaper) and an instance
 * can rewrite exactly its own entries (reconcile) after an outage or a mode switch.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly p: string;
  private readonly call: RedisCall;

  constructor(private readonly deps: { redis: Redis; prefix: string; instanceId: string; call?: RedisCall }) {
    this.p = deps.prefix;
    this.call = deps.call ?? direct;
  }

  get instanceId(): string {
    return this.deps.instanceId;
  }

  async add(userId: string, socketId: string): Promise<void> {
    const { redis, instanceId } = this.deps;
    await this.call(async () =>
      check(
        await redis
          .multi()
          .hset(userKey(this.p, userId), socketId, instanceId)
          .sadd(instanceKey(this.p, instanceId), member(userId, socketId))
          .sadd(instancesKey(this.p), instanceId)
          .exec(),
      ),
    );
  }

  async remove(userId: string, socketId: string): Promise<void> {
    const { redis, instanceId } = this.deps;
    await this.call(async () =>
      check(
        await redis
          .multi()
          .hdel(userKey(this.p, userId), socketId)
          .srem(instanceKey(this.p, instanceId), member(userId, socketId))
          .exec(),
      ),
    );
  }

  async count(userId: string): Promise<number> {
    return this.call(() => this.deps.redis.hlen(userKey(this.p, userId)));
  }

  async isOnline(userIds: string[]): Promise<Map<string, boolean>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const counts = await this.call(async () => {
      const pipe = this.deps.redis.pipeline();
      for (const id of unique) pipe.exists(userKey(this.p, id));
      return check<number>(await pipe.exec());
    });
    const byId = new Map(unique.map((id, i) => [id, counts[i]! > 0]));
    return new Map(userIds.map((id) => [id, byId.get(id)!]));
  }

  /** each user's sockets that live on `instanceId`: what a shadow read compares with memory */
  async socketsOn(userIds: string[], instanceId: string): Promise<Map<string, Set<string>>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const hashes = await this.call(async () => {
      const pipe = this.deps.redis.pipeline();
      for (const id of unique) pipe.hgetall(userKey(this.p, id));
      return check<Record<string, string>>(await pipe.exec());
    });
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
      const tx = redis.multi();
      for (const [m, [u, s]] of want) {
        // re-set even when present: the owner field may point at a previous incarnation
        tx.hset(userKey(this.p, u), s, instanceId);
        if (!existing.has(m)) added.push([u, s]);
      }
      if (want.size > 0) tx.sadd(iKey, ...want.keys()).sadd(instancesKey(this.p), instanceId);
      for (const m of existing) {
        if (want.has(m)) continue;
        const [u, s] = parseMember(m);
        removed.push([u, s]);
        tx.hdel(userKey(this.p, u), s).srem(iKey, m);
      }
      check(await tx.exec());
      return { added, removed };
    });
  }

  /** instances that may still hold entries */
  async instancesWithEntries(): Promise<string[]> {
    return this.call(() => this.deps.redis.smembers(instancesKey(this.p)));
  }

  /** removes every entry of `instanceId` (a dead instance, or this one at start); returns how many */
  /** Drops the instance's entries that it still owns; returns the users who lost a device. */
  async purgeInstance(instanceId: string): Promise<string[]> {
    return this.call(
      async () =>
        (await this.deps.redis.eval(
          REAP_SCRIPT,
          2,
          instanceKey(this.p, instanceId),
          instancesKey(this.p),
          userKey(this.p, ''),
          instanceId,
        )) as string[],
    );
  }
}
