import { flagsNeedingRedis } from '../config/config';
import { type FlagName, type FlagValues, features, flagNames } from '../config/features';

/**
 * Redis-backed features in force that have NO fallback while Redis is away. Everything else
 * degrades: presence answers from memory, the cache reads the database, rate limits pass
 * (login counts locally), flags arrive by poll. Only the Socket.IO adapter cannot: without
 * Redis, rooms on other instances are unreachable.
 */
export function redisFeaturesWithoutFallback(flags: Pick<FlagValues, 'socket.adapter'>): string[] {
  return flags['socket.adapter'] === 'memory' ? [] : [`socket.adapter=${flags['socket.adapter']}`];
}

const defaults = Object.fromEntries(flagNames.map((n) => [n, features[n].default])) as FlagValues;

/** Why a value cannot be put in force on an instance without REDIS_URL (undefined = it can). */
export function refuseWithoutRedis(name: FlagName, value: unknown): string | undefined {
  const needs = flagsNeedingRedis({ ...defaults, [name]: value } as FlagValues);
  return needs.length > 0
    ? `${needs.join(', ')} needs REDIS_URL, which this instance does not have`
    : undefined;
}
