import { randomBytes } from 'node:crypto';
import { setTestAppDefaults, type TestApp } from './test-app';
import { testRedisUrl } from './test-env';

/**
 * Importing this turns the cache on for every createTestApp of the test file that imports it
 * (USE_CACHE with the test Redis, on a fresh key prefix); the apps are collected here so the
 * file can check the cache was really consulted.
 */
export const cachedApps: TestApp[] = [];

setTestAppDefaults(
  {
    USE_CACHE: 'true',
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `cached${randomBytes(3).toString('hex')}:`,
  },
  (app) => cachedApps.push(app),
);

/** cache lookups counted by the apps of this file, by result and optionally by cache name */
export async function cacheLookups(result: 'hit' | 'miss' | 'error', cache?: string): Promise<number> {
  let sum = 0;
  for (const app of cachedApps) {
    const { values } = await app.services.metrics.cacheRequests.get();
    for (const v of values)
      if (v.labels.result === result && (cache === undefined || v.labels.cache === cache)) sum += v.value;
  }
  return sum;
}
