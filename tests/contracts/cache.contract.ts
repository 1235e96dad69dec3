import type { Cache } from '../../backend/cache/cache';
import { waitFor } from '../support/wait-for';

export interface CacheSubject {
  cache: Cache;
  /** false for NoCache: a cache may forget anything, but never answers a wrong value */
  remembers: boolean;
  close(): Promise<void>;
}

/**
 * What every Cache promises; each implementation's test file runs it. A get answers the last
 * value set and not deleted or expired, or undefined (a cache may forget): never anything else.
 */
export function cacheContract(name: string, make: () => Promise<CacheSubject>): void {
  describe(`Cache contract: ${name}`, () => {
    let subject: CacheSubject;
    let cache: Cache;
    // what a remembered value reads back as: the value itself, or nothing from a cache that forgets
    const expected = (value: string) => (subject.remembers ? value : undefined);
    beforeEach(async () => {
      subject = await make();
      cache = subject.cache;
    });
    afterEach(() => subject.close());

    it('When a key was never set, then get answers undefined', async () => {
      expect(await cache.get('never:set')).toBeUndefined();
    });

    it('When a value is set, then get answers exactly that value, unicode and colons included', async () => {
      const value = JSON.stringify({ name: 'Zoë 🐈', bio: 'a:b "quoted"\nline', n: 3 });
      await cache.set('profile:v1:ü:1', value, 60);
      expect(await cache.get('profile:v1:ü:1')).toBe(expected(value));
    });

    it('When a key is set twice, then the last value wins', async () => {
      await cache.set('k', 'first', 60);
      await cache.set('k', 'second', 60);
      expect(await cache.get('k')).toBe(expected('second'));
    });

    it('When keys are deleted, then they are gone and the others stay; missing keys and none are fine', async () => {
      await Promise.all(['a', 'b', 'c'].map((k) => cache.set(k, `v${k}`, 60)));
      await cache.del(['a', 'b', 'missing']);
      await cache.del([]);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('c')).toBe(expected('vc'));
    });

    it('When more keys are deleted at once than one command carries, then every one is gone', async () => {
      const keys = Array.from({ length: 1234 }, (_, i) => `feed:v1:${i}`);
      // in slices: 1,234 commands at once can outlast the fail-fast client's timeout on a busy box
      for (let i = 0; i < keys.length; i += 100)
        await Promise.all(keys.slice(i, i + 100).map((k) => cache.set(k, 'x', 60)));
      expect(await cache.get(keys[1233]!)).toBe(expected('x'));
      await cache.del(keys);
      const left = await Promise.all(keys.map((k) => cache.get(k)));
      expect(left.filter((v) => v !== undefined)).toEqual([]);
    });

    it('When the TTL (fractional seconds) passes, then the entry is gone', async () => {
      await cache.set('short', 'lived', 0.2);
      await cache.set('long', 'lived', 60);
      await waitFor('the short entry to expire', async () => (await cache.get('short')) === undefined, 5000);
      expect(await cache.get('long')).toBe(expected('lived'));
    });
  });
}
