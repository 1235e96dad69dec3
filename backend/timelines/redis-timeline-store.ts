import { createHash } from 'node:crypto';
import type { RedisClient } from '../infra/redis';
import {
  isOlder,
  mergeNewest,
  type TimelineEntry,
  type TimelinePosition,
  type TimelineStore,
  type TimelineWindow,
  UNFOLLOW_HOLD_MS,
} from './timeline-store';

// KEYS: list, meta, and optionally the reader's refused authors (members by them are skipped).
// ARGV: size, '1' = only when meta exists, then score/member pairs.
// Trims to `size` newest and marks the list truncated when something fell off.
const ADD = `
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local args = {}
for i = 3, #ARGV, 2 do
  local author = string.match(ARGV[i + 1], ':(%w+)$')
  if KEYS[3] == nil or not redis.call('ZSCORE', KEYS[3], author) then
    args[#args + 1] = ARGV[i]
    args[#args + 1] = ARGV[i + 1]
  end
end
if #args > 0 then redis.call('ZADD', KEYS[1], unpack(args)) end
local n = redis.call('ZCARD', KEYS[1])
local size = tonumber(ARGV[1])
if n > size then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - size - 1)
  redis.call('HSET', KEYS[2], 'trunc', '1')
end
return 1`;

// Redis's own clock in ms (with a fraction): refusals and rebuild starts are ordered by one
// clock, whichever instance wrote them.
const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end`;

// KEYS: timeline, refused authors. ARGV: ':' .. authorId, authorId, hold ms.
// Every member ending in it goes, and the author is refused (older refusals expire).
const REMOVE_AUTHOR = `${NOW_MS}
local now = now_ms()
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local gone = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(m, -#ARGV[1]) == ARGV[1] then gone[#gone + 1] = m end
end
if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
return #gone`;

// KEYS: timeline, celebrity set, meta. The timeline and celebrity set go; meta says "being
// rebuilt" and when the rebuild started. Refused authors stay.
const START_REBUILD = `${NOW_MS}
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[3], 'gen', '0', 'trunc', '0', 'started', tostring(now_ms()))
return 1`;

// KEYS: meta, refused authors. ARGV: the authors a rebuild read as followed. Each refused
// before the rebuild started is admitted again; a refusal made since stays.
const READMIT = `
local started = tonumber(redis.call('HGET', KEYS[1], 'started') or '0')
local n = 0
for i = 1, #ARGV do
  local at = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if at and tonumber(at) < started then
    redis.call('ZREM', KEYS[2], ARGV[i])
    n = n + 1
  end
end
return n`;

// KEYS: celebrity set, refused authors. ARGV: authorId. Added unless refused.
const CELEBRITY_FOLLOW = `
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
return redis.call('SADD', KEYS[1], ARGV[1])`;

const sha = (script: string) => createHash('sha1').update(script).digest('hex');
const SHAS = new Map([ADD, REMOVE_AUTHOR, START_REBUILD, READMIT, CELEBRITY_FOLLOW].map((s) => [s, sha(s)]));

async function script(r: RedisClient, body: string, keys: string[], args: Array<string | number>) {
  try {
    return await r.evalsha(SHAS.get(body)!, keys.length, ...keys, ...args);
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    return r.eval(body, keys.length, ...keys, ...args);
  }
}

const member = (e: TimelineEntry) => `${e.postId}:${e.authorId}`;

function parse(flat: string[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const [postId, authorId] = flat[i]!.split(':');
    if (postId && authorId) out.push({ postId, authorId, at: Number(flat[i + 1]) });
  }
  return out;
}

/**
 * Timelines in Redis sorted sets scored by createdAt, members `postId:authorId` (so equal
 * scores order by post id, as the feed does, and an unfollow finds an author's entries). Per
 * reader a hash tag groups the timeline, its meta (generation it was built at, truncated), its
 * set of followed celebrities and its refused authors (unfollowed, scored by when), so each
 * script touches one slot of a cluster. A global generation counter makes every timeline stale
 * at once. Commands go through `call`, the
 * fail-fast guard: callers fall back to the read-time query when it throws.
 */
export class RedisTimelineStore implements TimelineStore {
  constructor(
    private readonly deps: {
      redis: RedisClient;
      prefix: string;
      size: number;
      call?: <T>(op: () => Promise<T>) => Promise<T>;
    },
  ) {}

  get size(): number {
    return this.deps.size;
  }

  private run<T>(op: (r: RedisClient) => Promise<T>): Promise<T> {
    const r = this.deps.redis;
    return this.deps.call ? this.deps.call(() => op(r)) : op(r);
  }

  private keys(readerId: string) {
    const base = `${this.deps.prefix}tl:{${readerId}}`;
    return { list: base, meta: `${base}:m`, celebs: `${base}:c`, refused: `${base}:u` };
  }

  private authorKeys(authorId: string) {
    const base = `${this.deps.prefix}tla:{${authorId}}`;
    return { list: base, meta: `${base}:m` };
  }

  private get generationKey(): string {
    return `${this.deps.prefix}tl:generation`;
  }

  private async generation(r: RedisClient): Promise<number> {
    // absent counts as 1, so 0 can mean "being rebuilt" in a timeline's meta
    return Number((await r.get(this.generationKey)) ?? 0) + 1;
  }

  push(readerIds: readonly string[], entry: TimelineEntry): Promise<void> {
    const args = [this.deps.size, '1', entry.at, member(entry)];
    return this.run(async (r) => {
      await Promise.all(
        readerIds.map((id) => {
          const k = this.keys(id);
          return script(r, ADD, [k.list, k.meta, k.refused], args);
        }),
      );
    });
  }

  add(readerId: string, entries: readonly TimelineEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const k = this.keys(readerId);
    const pairs = entries.flatMap((e) => [e.at, member(e)]);
    return this.run(async (r) => {
      await script(r, ADD, [k.list, k.meta, k.refused], [this.deps.size, '1', ...pairs]);
    });
  }

  remove(readerIds: readonly string[], entries: readonly TimelineEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const members = entries.map(member);
    return this.run(async (r) => {
      await Promise.all(readerIds.map((id) => r.zrem(this.keys(id).list, ...members)));
    });
  }

  removeAuthor(readerId: string, authorId: string): Promise<void> {
    const k = this.keys(readerId);
    return this.run(async (r) => {
      await script(r, REMOVE_AUTHOR, [k.list, k.refused], [`:${authorId}`, authorId, UNFOLLOW_HOLD_MS]);
    });
  }

  admitAuthor(readerId: string, authorId: string): Promise<void> {
    return this.run(async (r) => {
      await r.zrem(this.keys(readerId).refused, authorId);
    });
  }

  startRebuild(readerId: string): Promise<number> {
    const k = this.keys(readerId);
    return this.run(async (r) => {
      const [generation] = await Promise.all([
        this.generation(r),
        script(r, START_REBUILD, [k.list, k.celebs, k.meta], []),
      ]);
      return generation;
    });
  }

  finishRebuild(
    readerId: string,
    generation: number,
    entries: readonly TimelineEntry[],
    celebrities: readonly string[],
    followees: readonly string[],
  ): Promise<void> {
    const k = this.keys(readerId);
    const pairs = entries.flatMap((e) => [e.at, member(e)]);
    return this.run(async (r) => {
      // most readers refused no one: the followees (up to thousands) are sent only when needed
      if (followees.length > 0 && (await r.zcard(k.refused)) > 0)
        await script(r, READMIT, [k.meta, k.refused], [...followees]);
      const added = await script(r, ADD, [k.list, k.meta, k.refused], [this.deps.size, '1', ...pairs]);
      if (added === 0) return;
      await Promise.all(celebrities.map((c) => script(r, CELEBRITY_FOLLOW, [k.celebs, k.refused], [c])));
      const fields: string[] = ['gen', String(generation)];
      if (entries.length >= this.deps.size) fields.push('trunc', '1');
      await r.hset(k.meta, ...fields);
    });
  }

  window(readerId: string, before: TimelinePosition | undefined, count: number): Promise<TimelineWindow> {
    const k = this.keys(readerId);
    return this.run(async (r) => {
      const [generation, meta, own, celebs] = await Promise.all([
        this.generation(r),
        r.hmget(k.meta, 'gen', 'trunc'),
        this.older(r, k.list, before, count),
        r.smembers(k.celebs),
      ]);
      if (meta[0] === null || Number(meta[0]) !== generation)
        return { entries: [], built: false, exhausted: false };
      const others = await Promise.all(
        celebs.map(async (c) => {
          const a = this.authorKeys(c);
          const [entries, trunc] = await Promise.all([
            this.older(r, a.list, before, count),
            r.hget(a.meta, 'trunc'),
          ]);
          return { entries, truncated: trunc === '1' };
        }),
      );
      const sources = [{ entries: own, truncated: meta[1] === '1' }, ...others];
      const exhausted = sources.some((s) => s.truncated && s.entries.length < count);
      return {
        entries: mergeNewest(
          sources.map((s) => s.entries),
          count,
        ),
        built: true,
        exhausted,
      };
    });
  }

  /** `count` members older than `before`: the strictly older scores, plus the ties on its ms */
  private async older(
    r: RedisClient,
    key: string,
    before: TimelinePosition | undefined,
    count: number,
  ): Promise<TimelineEntry[]> {
    if (!before) return parse(await r.zrevrange(key, 0, count - 1, 'WITHSCORES'));
    const [ties, older] = await Promise.all([
      r.zrangebyscore(key, before.at, before.at, 'WITHSCORES'),
      r.zrevrangebyscore(key, `(${before.at}`, '-inf', 'WITHSCORES', 'LIMIT', 0, count),
    ]);
    const tied = parse(ties).filter((e) => isOlder(e, before));
    return mergeNewest([tied, parse(older)], count);
  }

  drop(readerId: string): Promise<void> {
    const k = this.keys(readerId);
    return this.run(async (r) => {
      await r.del(k.list, k.meta, k.celebs, k.refused);
    });
  }

  invalidateAll(): Promise<void> {
    return this.run(async (r) => {
      await r.incr(this.generationKey);
    });
  }

  setCelebrityFollow(readerId: string, authorId: string, follows: boolean): Promise<void> {
    const k = this.keys(readerId);
    return this.run(async (r) => {
      if (follows) await script(r, CELEBRITY_FOLLOW, [k.celebs, k.refused], [authorId]);
      else await r.srem(k.celebs, authorId);
    });
  }

  celebrities(): Promise<string[]> {
    return this.run((r) => r.smembers(`${this.deps.prefix}tl:celebrities`));
  }

  markCelebrity(authorId: string): Promise<void> {
    return this.run(async (r) => {
      await r.sadd(`${this.deps.prefix}tl:celebrities`, authorId);
    });
  }

  pushAuthor(entry: TimelineEntry): Promise<void> {
    const a = this.authorKeys(entry.authorId);
    return this.run(async (r) => {
      await script(r, ADD, [a.list, a.meta], [this.deps.size, '0', entry.at, member(entry)]);
    });
  }

  removeAuthorEntries(entries: readonly TimelineEntry[]): Promise<void> {
    return this.run(async (r) => {
      await Promise.all(entries.map((e) => r.zrem(this.authorKeys(e.authorId).list, member(e))));
    });
  }
}
