import type { FlagOverrideStore } from '../../backend/flags/flag-override-store';

/** What every FlagOverrideStore promises; each implementation's test file runs it. */
export function flagOverrideStoreContract(name: string, make: () => Promise<FlagOverrideStore>): void {
  describe(`When the ${name} flag override store is used`, () => {
    let store: FlagOverrideStore;
    beforeEach(async () => {
      store = await make();
    });

    it('then it starts empty', async () => {
      expect(await store.list()).toEqual([]);
      expect(await store.history({ limit: 10 })).toEqual([]);
    });

    it('then a set is listed with its value, actor and a version; values of every flag type round-trip', async () => {
      const a = await store.apply({
        flag: 'cache.enabled',
        action: 'set',
        value: false,
        oldValue: true,
        newValue: false,
        actor: 'ann',
      });
      const b = await store.apply({
        flag: 'presence.redisReadPercent',
        action: 'set',
        value: 0,
        oldValue: 10,
        newValue: 0,
        actor: 'bo',
      });
      const c = await store.apply({
        flag: 'presence.mode',
        action: 'set',
        value: 'redis',
        oldValue: 'memory',
        newValue: 'redis',
        actor: 'cy',
      });
      expect([a.version, b.version, c.version]).toEqual([1, 2, 3]);
      const listed = (await store.list()).sort((x, y) => x.version - y.version);
      expect(listed.map((r) => [r.name, r.value, r.active, r.version, r.updatedBy])).toEqual([
        ['cache.enabled', false, true, 1, 'ann'],
        ['presence.redisReadPercent', 0, true, 2, 'bo'],
        ['presence.mode', 'redis', true, 3, 'cy'],
      ]);
      expect(listed[0]!.updatedAt).toBeInstanceOf(Date);
    });

    it('then a reset keeps the record inactive with a higher version, so versions never go back', async () => {
      await store.apply({
        flag: 'cache.enabled',
        action: 'set',
        value: true,
        oldValue: false,
        newValue: true,
        actor: 'a',
      });
      const r = await store.apply({
        flag: 'cache.enabled',
        action: 'reset',
        value: null,
        oldValue: true,
        newValue: false,
        actor: 'b',
      });
      expect(r).toMatchObject({ name: 'cache.enabled', active: false, version: 2 });
      const [only] = await store.list();
      expect(only).toMatchObject({ name: 'cache.enabled', active: false, version: 2, updatedBy: 'b' });
    });

    it('then history is newest first, filterable by flag, limited, with old and new values', async () => {
      await store.apply({
        flag: 'cache.enabled',
        action: 'set',
        value: true,
        oldValue: false,
        newValue: true,
        actor: 'a',
      });
      await store.apply({
        flag: 'metrics.enabled',
        action: 'set',
        value: false,
        oldValue: true,
        newValue: false,
        actor: 'b',
      });
      await store.apply({
        flag: 'cache.enabled',
        action: 'reset',
        value: null,
        oldValue: true,
        newValue: false,
        actor: 'c',
      });
      const all = await store.history({ limit: 10 });
      expect(all.map((e) => [e.version, e.flag, e.action, e.oldValue, e.newValue, e.actor])).toEqual([
        [3, 'cache.enabled', 'reset', true, false, 'c'],
        [2, 'metrics.enabled', 'set', true, false, 'b'],
        [1, 'cache.enabled', 'set', false, true, 'a'],
      ]);
      expect(all[0]!.at).toBeInstanceOf(Date);
      expect((await store.history({ limit: 10, flag: 'cache.enabled' })).map((e) => e.version)).toEqual([
        3, 1,
      ]);
      expect((await store.history({ limit: 1 })).map((e) => e.version)).toEqual([3]);
    });

    it('then concurrent changes get distinct versions, every one is audited and the newest wins', async () => {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.apply({
            flag: 'cache.ttlSeconds',
            action: 'set',
            value: 100 + i,
            oldValue: 300,
            newValue: 100 + i,
            actor: `a${i}`,
          }),
        ),
      );
      const versions = (await store.history({ limit: 20 })).map((e) => e.version).sort((a, b) => a - b);
      expect(versions).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // the override left in place is the newest change's, whatever order the writes landed in
      const [newest] = await store.history({ limit: 1 });
      const [record] = await store.list();
      expect(record).toMatchObject({ version: 8, value: newest!.newValue, updatedBy: newest!.actor });
    });
  });
}
