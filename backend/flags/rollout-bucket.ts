import murmurhash from 'murmurhash';

/**
 * Stable per-user bucket 0–99 for a flag: the same user always lands in the same bucket, and
 * each flag hashes independently, so raising a percentage only ever adds users.
 */
export function rolloutBucket(flag: string, userId: string): number {
  return murmurhash.v3(`${flag}:${userId}`) % 100;
}

export function inRollout(flag: string, userId: string, percent: number): boolean {
  return rolloutBucket(flag, userId) < percent;
}
