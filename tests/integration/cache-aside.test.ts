import { jitteredTtl } from '../../backend/cache/cache-aside';
import { type CacheKit, cacheKit, gate, lookups } from '../support/cache-kit';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Cache-aside over the real Redis cache (fail-fast client behind the breaker), as services.ts
// wires it: no memory cache is shipped, since a per-instance cache could not be invalidated
// across instances.
let kit: CacheKit;
beforeEach(async () => {
  kit = await cacheKit(testRedisUrl());
});
afterEach(() => kit.close());

/** a loader standing in for the database: counts its runs and answers the current value */
function source<T>(initial: T) {
  const s = {
    value: initial,
    runs: 0,
    load: async () => {
      s.runs += 1;
      return s.value;
    },
  };
  return s;
}

describe('When many requests miss one key at once', () => {
  it('then one loader runs, every caller gets its value, and the next call is a hit', async () => {
    const aside = kit.aside();
    const db = gate<{ name: string }>();
    let runs = 0;
    const loader = () => {
      runs += 1;
      return db.promise;
    };
    const calls = Array.from({ length: 25 }, () => aside.getOrLoad('profile:v1:u1', loader));
    db.open({ name: 'Ann' });
    const values = await Promise.all(calls);
    expect(runs).toBe(1);
    expect(values).toEqual(Array.from({ length: 25 }, () => ({ name: 'Ann' })));
    expect(await aside.getOrLoad('profile:v1:u1', loader)).toEqual({ name: 'Ann' });
    expect(runs).toBe(1);
    expect(await lookups(kit.metrics, { cache: 'profile', result: 'miss' })).toBe(25);
    expect(await lookups(kit.metrics, { cache: 'profile', result: 'hit' })).toBe(1);
  });

  it('then a failing loader fails every caller, stores nothing, and the next call loads again', async () => {
    const aside = kit.aside();
    const db = gate<void>();
    let runs = 0;
    const failing = async () => {
      runs += 1;
      await db.promise;
      throw new Error('user not found');
    };
    const calls = Array.from({ length: 5 }, () =>
      aside.getOrLoad('profile:v1:gone', failing).catch((e: Error) => e.message),
    );
    db.open();
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 5 }, () => 'user not found'));
    expect(runs).toBe(1);
    expect(await kit.raw('profile:v1:gone')).toBeUndefined();
    expect(await aside.getOrLoad('profile:v1:gone', async () => 'back')).toBe('back');
  });

  it('then different keys load independently', async () => {
    const aside = kit.aside();
    const a = source('A');
    const b = source('B');
    expect(await Promise.all([aside.getOrLoad('k:a', a.load), aside.getOrLoad('k:b', b.load)])).toEqual([
      'A',
      'B',
    ]);
    expect([a.runs, b.runs]).toEqual([1, 1]);
  });
});

describe('When entries are filled', () => {
  it('then the TTL is the flag value ±10 %, spread rather than all equal', async () => {
    kit.flags.set('cache.ttlSeconds', 100);
    const aside = kit.aside();
    const keys = Array.from({ length: 40 }, (_, i) => `j:${i}`);
    for (const key of keys) await aside.getOrLoad(key, async () => key);
    const ttls = await Promise.all(keys.map((k) => kit.pttl(k)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(89_000);
      expect(ttl).toBeLessThanOrEqual(110_000);
    }
    expect(new Set(ttls.map((t) => Math.round(t / 1000))).size).toBeGreaterThan(5);
  });

  it('then jitteredTtl stays within ±ratio at both ends of the random range', () => {
    expect(jitteredTtl(300, 0.1, () => 0)).toBeCloseTo(270);
    expect(jitteredTtl(300, 0.1, () => 0.5)).toBeCloseTo(300);
    expect(jitteredTtl(300, 0.1, () => 0.999999)).toBeCloseTo(330, 2);
    for (let i = 0; i < 1000; i++) {
      const ttl = jitteredTtl(10, 0.1);
      expect(ttl).toBeGreaterThanOrEqual(9);
      expect(ttl).toBeLessThan(11);
    }
  });

  it('then cache.ttlSeconds is read live, and a per-call ttlSeconds wins over it', async () => {
    const aside = kit.aside({ jitterRatio: 0 });
    kit.flags.set('cache.ttlSeconds', 50);
    await aside.getOrLoad('t:1', async () => 1);
    kit.flags.set('cache.ttlSeconds', 200);
    await aside.getOrLoad('t:2', async () => 2);
    await aside.getOrLoad('t:3', async () => 3, { ttlSeconds: 7 });
    expect(await kit.pttl('t:1')).toBeLessThanOrEqual(50_000);
    expect(await kit.pttl('t:2')).toBeGreaterThan(190_000);
    expect(await kit.pttl('t:3')).toBeLessThanOrEqual(7000);
  });
});

describe('When a key is invalidated', () => {
  it('then the entry is gone and the next read loads the new value', async () => {
    const aside = kit.aside();
    const db = source('old');
    expect(await aside.getOrLoad('p:1', db.load)).toBe('old');
    db.value = 'new';
    expect(await aside.getOrLoad('p:1', db.load)).toBe('old');
    await aside.invalidate(['p:1']);
    expect(await kit.raw('p:1')).toBeUndefined();
    expect(await aside.getOrLoad('p:1', db.load)).toBe('new');
    expect(db.runs).toBe(2);
  });

  it('then a load that started before the write neither stores its stale value nor answers later readers', async () => {
    const aside = kit.aside();
    const slowRead = gate<string>();
    const before = aside.getOrLoad('p:2', () => slowRead.promise);
    // the write lands while that read is in flight
    await aside.invalidate(['p:2']);
    const after = source('new');
    const later = aside.getOrLoad('p:2', after.load);
    expect(await later).toBe('new');
    slowRead.open('old');
    // the caller who asked before the write may see the old value; nobody after it does
    expect(await before).toBe('old');
    expect(await kit.raw('p:2')).toBe(JSON.stringify('new'));
    expect(await aside.getOrLoad('p:2', after.load)).toBe('new');
    expect(after.runs).toBe(1);
  });

  it('then an old load finishing after the new one does not overwrite it', async () => {
    const aside = kit.aside();
    const slowOld = gate<string>();
    const before = aside.getOrLoad('p:3', () => slowOld.promise);
    await aside.invalidate(['p:3']);
    expect(await aside.getOrLoad('p:3', async () => 'new')).toBe('new');
    slowOld.open('old');
    await before;
    expect(await kit.raw('p:3')).toBe(JSON.stringify('new'));
  });

  it('then a stale value another instance stored during the write is deleted again shortly after', async () => {
    const a = kit.aside({ redeleteAfterMs: 100 });
    const b = kit.aside({ redeleteAfterMs: 100 });
    const slowOnB = gate<string>();
    const loadOnB = b.getOrLoad('p:4', () => slowOnB.promise);
    await a.invalidate(['p:4']);
    slowOnB.open('old');
    await loadOnB;
    // B could not know about A's write: its stale fill landed...
    expect(await kit.raw('p:4')).toBe(JSON.stringify('old'));
    // ...and A's second delete removes it
    await waitFor('the delayed second delete', async () => (await kit.raw('p:4')) === undefined, 5000);
  });
});

describe('When the flag cache.enabled is off', () => {
  it('then the loader runs on every call, nothing is stored or counted, and turning it on caches live', async () => {
    kit.flags.set('cache.enabled', false);
    const aside = kit.aside();
    const db = source(1);
    for (let i = 0; i < 3; i++) expect(await aside.getOrLoad('f:1', db.load)).toBe(1);
    expect(db.runs).toBe(3);
    expect(await kit.raw('f:1')).toBeUndefined();
    expect(await lookups(kit.metrics, { result: 'miss' })).toBe(0);

    kit.flags.set('cache.enabled', true);
    await aside.getOrLoad('f:1', db.load);
    await aside.getOrLoad('f:1', db.load);
    expect(db.runs).toBe(4);

    // off again: an entry still in Redis is not read
    kit.flags.set('cache.enabled', false);
    db.value = 2;
    expect(await aside.getOrLoad('f:1', db.load)).toBe(2);
    expect(db.runs).toBe(5);
  });

  it('then invalidations still delete for one TTL after it was on, and stop once no entry can remain', async () => {
    let now = 1_000_000;
    kit.flags.set('cache.ttlSeconds', 10);
    kit.flags.set('cache.enabled', false);
    const aside = kit.aside({ now: () => now, redeleteAfterMs: 0 });
    // entries of a previous process may live one TTL past this start
    expect(aside.mayHoldEntries()).toBe(true);
    now += 11_001;
    expect(aside.mayHoldEntries()).toBe(false);
    await kit.cache.set('w:1', 'kept', 60);
    await aside.invalidate(['w:1']);
    expect(await kit.raw('w:1')).toBe('kept');

    kit.flags.set('cache.enabled', true);
    kit.flags.set('cache.enabled', false);
    expect(aside.mayHoldEntries()).toBe(true);
    await aside.invalidate(['w:1']);
    expect(await kit.raw('w:1')).toBeUndefined();
  });
});

describe('When Redis fails', () => {
  it('then reads fall through to the loader and count as errors, and invalidations do not throw', async () => {
    const aside = kit.aside();
    kit.redis.disconnect();
    const db = source('from the database');
    for (let i = 0; i < 3; i++) expect(await aside.getOrLoad('e:1', db.load)).toBe('from the database');
    expect(db.runs).toBe(3);
    expect(await lookups(kit.metrics, { result: 'error' })).toBe(3);
    await expect(aside.invalidate(['e:1'])).resolves.toBeUndefined();
    expect(aside.pendingInvalidations).toBe(1);
  });

  it('then an invalidation that never reached Redis is retried, and the stale entry is not served meanwhile', async () => {
    const aside = kit.aside({ retryPendingEveryMs: 20, redeleteAfterMs: 0 });
    const db = source('old');
    await aside.getOrLoad('r:1', db.load);
    expect(await kit.raw('r:1')).toBe(JSON.stringify('old'));

    // a partition: the entry survives in Redis, but this instance cannot reach it
    kit.redis.disconnect();
    db.value = 'new';
    await aside.invalidate(['r:1']);
    expect(aside.pendingInvalidations).toBe(1);
    expect(await aside.getOrLoad('r:1', db.load)).toBe('new');

    await waitFor('the connection to close', () => kit.redis.status === 'end');
    await kit.redis.connect();
    // still pending: reads bypass the cache rather than answer the stale entry in Redis
    expect(await aside.getOrLoad('r:1', db.load)).toBe('new');
    await waitFor('the retried invalidation', () => aside.pendingInvalidations === 0, 5000);
    expect(await kit.raw('r:1')).toBeUndefined();
    expect(await aside.getOrLoad('r:1', db.load)).toBe('new');
    expect(await aside.getOrLoad('r:1', db.load)).toBe('new');
    expect(await lookups(kit.metrics, { result: 'hit' })).toBeGreaterThan(0);
    expect(await kit.raw('r:1')).toBe(JSON.stringify('new'));
  });
});
