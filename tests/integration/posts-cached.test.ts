// The posts suite again with cache.enabled on: the cached first feed page must not change a
// single answer (posts, deletes, likes and replies, paging on from the cached first page).
import { cacheLookups } from '../support/cached-test-apps';
import './posts.test';

describe('When the posts suite runs with the cache on', () => {
  it('then the feed was read through the cache, and no lookup failed', async () => {
    expect(await cacheLookups('miss', 'feed')).toBeGreaterThan(0);
    expect(await cacheLookups('error')).toBe(0);
  });
});
