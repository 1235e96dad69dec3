import { createHash } from 'node:crypto';
import type { RedisGuard } from '../infra/redis-guard';
import type { SharedSessionVersions } from './shared-session-versions';

const GONE = 'gone';

/**
 * Raises the shared version, never lowers it: a read that started before a revocation and
 * lands after it changes nothing. "gone" (a deleted account) is final. An equal version does
 * not extend the TTL, so an entry outlives the tokens it vouches for by at most one TTL.
 */
const OFFER = `
local cur = redis.call('GET', KEYS[1])
if cur == '${GONE}' then return 0 end
if cur and ARGV[1] ~= '${GONE}' and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
// by digest: an offer sends the script's 40-byte name, not its text (loaded on first NOSCRIPT)
const OFFER_SHA = createHash('sha1').update(OFFER).digest('hex');

/** One string per user: the version, or "gone"; it lapses after `ttlMs` (a token's lifetime). */
export class RedisSessionVersions implements SharedSessionVersions {
  constructor(private readonly deps: { guard: RedisGuard; prefix: string; ttlMs: number }) {}

  private key(userId: string): string {
    // {userId}: one slot per user on a Redis Cluster, like the user's other keys
    return `${this.deps.prefix}session:version:{${userId}}`;
  }

  async get(userId: string): Promise<number | null | undefined> {
    const value = await this.deps.guard.run((r) => r.get(this.key(userId)));
    if (value === null) return undefined;
    if (value === GONE) return null;
    const version = Number(value);
    return Number.isSafeInteger(version) ? version : undefined;
  }

  async offer(userId: string, version: number | null): Promise<void> {
    const args = [
      this.key(userId),
      version === null ? GONE : String(version),
      String(this.deps.ttlMs),
    ] as const;
    await this.deps.guard.run((r) =>
      (r.evalsha(OFFER_SHA, 1, ...args) as Promise<number>).catch((err: Error) =>
        /NOSCRIPT/.test(err.message) ? (r.eval(OFFER, 1, ...args) as Promise<number>) : Promise.reject(err),
      ),
    );
  }
}
