import { createHash } from 'node:crypto';
import type { RedisGuard } from '../infra/redis-guard';
import type { Relations, Side } from './relations';
import type { SharedContacts, SharedRead } from './shared-contacts';

/** Stores the relations only if the user's change count is still the one read before the store. */
const FILL = `
local stamp = redis.call('GET', KEYS[2]) or ''
if stamp ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;
/** A change: the count moves (so fills in flight are refused) and both sides' copies go. */
const CHANGE = `
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`;
const sha = (script: string) => createHash('sha1').update(script).digest('hex');
const FILL_SHA = sha(FILL);
const CHANGE_SHA = sha(CHANGE);

/**
 * Per user: one string per side, {"f":[ids…],"p":[ids…]} (follows, partners), and a change
 * count, all in the user's hash slot, so a read is one MGET and a fill one script. The count
 * outlives the copies (`stampTtlMs`), so a fill cannot outlast the change it missed. Relations
 * larger than `maxIds` stay per instance: a huge account's set is not worth a GET per connect.
 */
export class RedisSharedContacts implements SharedContacts {
  constructor(
    private readonly deps: {
      guard: RedisGuard;
      prefix: string;
      ttlMs: number;
      stampTtlMs?: number;
      maxIds?: number;
    },
  ) {}

  private key(side: Side | 'changes', userId: string): string {
    // {userId}: one slot per user on a Redis Cluster, like the user's other keys
    return `${this.deps.prefix}contacts:${side}:{${userId}}`;
  }

  async get(side: Side, userId: string): Promise<SharedRead> {
    const [value, stamp] = await this.deps.guard.run((r) =>
      r.mget(this.key(side, userId), this.key('changes', userId)),
    );
    return { relations: value ? parse(value) : undefined, stamp: stamp ?? '' };
  }

  async fill(side: Side, userId: string, stamp: string, relations: Relations): Promise<void> {
    if (relations.follows.size + relations.partners.size > (this.deps.maxIds ?? 2000)) return;
    const value = JSON.stringify({ f: [...relations.follows], p: [...relations.partners] });
    const keys = [this.key(side, userId), this.key('changes', userId)];
    await this.script(FILL, FILL_SHA, keys, [stamp, value, String(this.deps.ttlMs)]);
  }

  async invalidate(userIds: string[]): Promise<void> {
    const ttl = String(this.deps.stampTtlMs ?? 2 * this.deps.ttlMs);
    // one script per user, all in this tick: one round trip, whatever slots the users are in
    await Promise.all(
      userIds.map((id) =>
        this.script(
          CHANGE,
          CHANGE_SHA,
          [this.key('changes', id), this.key('viewer', id), this.key('target', id)],
          [ttl],
        ),
      ),
    );
  }

  private script(text: string, digest: string, keys: string[], args: string[]): Promise<unknown> {
    // by digest: a call sends the script's 40-byte name, not its text (loaded on first NOSCRIPT)
    return this.deps.guard.run((r) =>
      r
        .evalsha(digest, keys.length, ...keys, ...args)
        .catch((err: Error) =>
          /NOSCRIPT/.test(err.message) ? r.eval(text, keys.length, ...keys, ...args) : Promise.reject(err),
        ),
    );
  }
}

function parse(value: string): Relations | undefined {
  try {
    const { f, p } = JSON.parse(value) as { f: string[]; p: string[] };
    return { follows: new Set(f), partners: new Set(p) };
  } catch {
    return undefined;
  }
}
