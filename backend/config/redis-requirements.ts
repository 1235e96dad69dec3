import { type FlagName, type FlagValues, features, flagNames } from './features';

/**
 * Which flag values need Redis, in the two senses that differ:
 * - needing REDIS_URL at all: the feature shares state between instances through Redis, so an
 *   instance started without Redis cannot serve it (start-up refuses, /admin/flags refuses).
 * - having no fallback while a configured Redis is away: most of those degrade (presence
 *   answers from memory, the cache reads the database, rate limits pass and login counts
 *   locally, flags arrive by poll); only the Socket.IO adapter cannot, since without Redis
 *   rooms on other instances are unreachable.
 */
export function flagsNeedingRedisUrl(flags: FlagValues): string[] {
  const out: string[] = [];
  if (flags['socket.adapter'] !== 'memory') out.push(`socket.adapter=${flags['socket.adapter']}`);
  if (flags['presence.mode'] !== 'memory') out.push(`presence.mode=${flags['presence.mode']}`);
  if (flags['rateLimit.store'] === 'redis') out.push('rateLimit.store=redis');
  if (flags['cache.enabled']) out.push('cache.enabled');
  if (flags['feed.mode'] !== 'read') out.push(`feed.mode=${flags['feed.mode']}`);
  if (flags['messages.conversationWrites'] === 'deferred') out.push('messages.conversationWrites=deferred');
  return out;
}

/** Features in force that stop working while Redis is unreachable (empty = everything degrades). */
export function flagsWithoutRedisFallback(flags: Pick<FlagValues, 'socket.adapter'>): string[] {
  return flags['socket.adapter'] === 'memory' ? [] : [`socket.adapter=${flags['socket.adapter']}`];
}

const defaults = Object.fromEntries(flagNames.map((n) => [n, features[n].default])) as FlagValues;

/** flagsNeedingRedisUrl for one override: why it cannot be put in force (undefined = it can). */
export function refuseWithoutRedis(name: FlagName, value: unknown): string | undefined {
  const needs = flagsNeedingRedisUrl({ ...defaults, [name]: value } as FlagValues);
  return needs.length > 0
    ? `${needs.join(', ')} needs REDIS_URL, which this instance does not have`
    : undefined;
}
