// The users suite again with cache.enabled on: caching profiles must not change a single answer.
// cache-consistency.test.ts checks the reads that a stale entry would break.
import { cacheLookups } from '../support/cached-test-apps';
import './users.test';

describe('When the users suite runs with the cache on', () => {
  it('then profiles were answered from the cache, and no lookup failed', async () => {
    expect(await cacheLookups('hit', 'profile')).toBeGreaterThan(0);
    expect(await cacheLookups('miss', 'profile')).toBeGreaterThan(0);
    expect(await cacheLookups('error')).toBe(0);
  });
});
