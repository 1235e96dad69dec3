import type { PresenceStore } from '../../backend/presence/presence-store';

export interface ContractSubject {
  store: PresenceStore;
  close(): Promise<void>;
}

/**
 * The one behaviour every PresenceStore promises; each implementation's test file runs it.
 * A store seen alone (one instance) must answer exactly like the in-process map.
 */
export function presenceStoreContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: PresenceStore;
    beforeEach(async () => {
      subject = await make();
      store = subject.store;
    });
    afterEach(() => subject.close());

    it('When a user was never seen, then count is 0 and they are offline', async () => {
      expect(await store.count('nobody')).toBe(0);
      expect(await store.isOnline(['nobody'])).toEqual(new Map([['nobody', false]]));
    });

    it('When a user connects two devices, then both count and the user stays online until the last leaves', async () => {
      await store.add('u1', 'sA');
      await store.add('u1', 'sB');
      expect(await store.count('u1')).toBe(2);
      expect((await store.isOnline(['u1'])).get('u1')).toBe(true);

      await store.remove('u1', 'sA');
      expect(await store.count('u1')).toBe(1);
      expect((await store.isOnline(['u1'])).get('u1')).toBe(true);

      await store.remove('u1', 'sB');
      expect(await store.count('u1')).toBe(0);
      expect((await store.isOnline(['u1'])).get('u1')).toBe(false);
    });

    it('When the same socket is added twice, then it counts once and one remove takes it away', async () => {
      await store.add('u2', 's1');
      await store.add('u2', 's1');
      expect(await store.count('u2')).toBe(1);
      await store.remove('u2', 's1');
      expect(await store.count('u2')).toBe(0);
    });

    it('When a socket is removed twice or was never added, then nothing fails and counts never go negative', async () => {
      await store.remove('ghost', 'sX');
      await store.add('u3', 's1');
      await store.remove('u3', 's1');
      await store.remove('u3', 's1');
      await store.remove('u3', 'other');
      expect(await store.count('u3')).toBe(0);
      expect(await store.count('ghost')).toBe(0);
      await store.add('u3', 's2');
      expect(await store.count('u3')).toBe(1);
    });

    it('When several users are queried at once, then each gets its own answer, duplicates included', async () => {
      await store.add('a', 's1');
      await store.add('b', 's2');
      await store.add('b', 's3');
      await store.remove('b', 's2');
      const online = await store.isOnline(['a', 'b', 'c', 'a']);
      expect([...online.entries()].sort()).toEqual([
        ['a', true],
        ['b', true],
        ['c', false],
      ]);
      expect(await store.isOnline([])).toEqual(new Map());
    });

    it('When one user leaves, then another user with the same socket id elsewhere is untouched', async () => {
      await store.add('x', 'same');
      await store.add('y', 'same');
      await store.remove('x', 'same');
      expect(await store.count('x')).toBe(0);
      expect(await store.count('y')).toBe(1);
    });
  });
}
