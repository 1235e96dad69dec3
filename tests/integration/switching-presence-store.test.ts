import { MemoryPresenceStore } from '../../backend/presence/memory-presence-store';
import { SwitchingPresenceStore } from '../../backend/presence/switching-presence-store';
import {
  freshPrefix,
  type PresenceKit,
  presenceFlags,
  presenceKit,
  silentLogger,
} from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const own = async (kit: PresenceKit, users: string[]) =>
  kit.redisStore.socketsOn(users, kit.redisStore.instanceId);

describe('When presence.mode changes under live sockets', () => {
  let kit: PresenceKit;
  beforeEach(async () => {
    kit = await presenceKit(testRedisUrl(), { flags: { 'presence.mode': 'memory' } });
  });
  afterEach(() => kit.close());

  it('then entering dual-write backfills Redis with every live socket, and going back to memory is instant and purges', async () => {
    await kit.switching.add('ann', 'a1');
    await kit.switching.add('ann', 'a2');
    await kit.switching.add('ben', 'b1');
    expect(await kit.redisStore.count('ann')).toBe(0);

    kit.flags.set('presence.mode', 'dual-write');
    kit.flags.set('presence.redisReadPercent', 100);
    await kit.switching.sync('test: wait for the backfill the flag change started');
    expect((await own(kit, ['ann', 'ben'])).get('ann')).toEqual(new Set(['a1', 'a2']));
    expect(await kit.switching.count('ben')).toBe(1);
    expect(await kit.redisStore.ownCount()).toBe(3);

    await kit.switching.remove('ann', 'a1');
    kit.flags.set('presence.mode', 'memory');
    // no await between the switch and the read: memory already has every socket
    expect(await kit.switching.count('ann')).toBe(1);
    expect(await kit.switching.count('ben')).toBe(1);
    await kit.switching.sync('test: wait for the purge');
    expect(await kit.redisStore.ownCount()).toBe(0);
    expect(await kit.redisStore.count('ben')).toBe(0);
  });

  it('then writes racing the backfill leave Redis equal to memory', async () => {
    for (let i = 0; i < 50; i++) await kit.switching.add(`u${i % 10}`, `s${i}`);
    kit.flags.set('presence.mode', 'dual-write');
    const writes: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) {
      writes.push(kit.switching.remove(`u${i % 10}`, `s${i}`));
      writes.push(kit.switching.add(`u${i % 10}`, `t${i}`));
      if (i % 10 === 0) writes.push(kit.switching.sync('test'));
    }
    await Promise.all(writes);
    await kit.switching.sync('test: settle');
    const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const redisSide = await own(kit, users);
    for (const u of users) expect([u, redisSide.get(u)]).toEqual([u, kit.memory.socketsOf(u)]);
    expect(await kit.redisStore.ownCount()).toBe(kit.memory.size);
  });

  it('then flapping modes ends in the state of the last value', async () => {
    await kit.switching.add('cy', 'c1');
    kit.flags.set('presence.mode', 'dual-write');
    kit.flags.set('presence.mode', 'memory');
    kit.flags.set('presence.mode', 'redis');
    await kit.switching.sync('test');
    expect(await kit.redisStore.count('cy')).toBe(1);
    kit.flags.set('presence.mode', 'memory');
    await kit.switching.sync('test');
    expect(await kit.redisStore.count('cy')).toBe(0);
  });
});

describe('When Redis drifts from what this instance holds', () => {
  it('then the drift check rewrites the missing and the stale entries', async () => {
    const kit = await presenceKit(testRedisUrl(), {
      flags: { 'presence.mode': 'dual-write', 'presence.shadowRead': true },
    });
    try {
      await kit.switching.add('dee', 'd1');
      await kit.switching.add('eve', 'e1');
      // a remove lost to a timeout, and an entry reaped while this instance could not beat
      await kit.redisStore.add('ghost', 'g1');
      await kit.redisStore.remove('dee', 'd1');
      await kit.redisStore.remove('eve', 'e1');
      await kit.switching.count('ghost');
      await waitFor('the mismatch', () => kit.tally.snapshot().mismatches === 1);

      await kit.switching.checkDrift();
      expect(await kit.redisStore.count('dee')).toBe(1);
      expect(await kit.redisStore.count('eve')).toBe(1);
      expect(await kit.redisStore.count('ghost')).toBe(0);
      // the repair keeps the evidence; a reconnect's backfill starts a new tally
      expect(kit.tally.snapshot().mismatches).toBe(1);
      await kit.switching.sync('redis ready');
      expect(kit.tally.snapshot()).toMatchObject({ compared: 0, mismatches: 0 });
    } finally {
      await kit.close();
    }
  });
});

describe('When an instance starts again with the same id', () => {
  it("then the first sync purges its previous incarnation's entries, and the other instances' stay", async () => {
    const prefix = freshPrefix();
    const before = await presenceKit(testRedisUrl(), {
      prefix,
      instanceId: 'same',
      flags: { 'presence.mode': 'dual-write' },
    });
    const neighbour = await presenceKit(testRedisUrl(), {
      prefix,
      instanceId: 'other',
      flags: { 'presence.mode': 'dual-write' },
    });
    const after = await presenceKit(testRedisUrl(), {
      prefix,
      instanceId: 'same',
      flags: { 'presence.mode': 'dual-write' },
    });
    try {
      await before.switching.add('fay', 'old-socket');
      await neighbour.switching.add('fay', 'n1');
      // crashed: never removed its entry. The restart's first sync (on Redis ready) cleans it.
      await after.switching.sync('redis ready');
      expect(await after.redisStore.count('fay')).toBe(1);
      expect((await after.redisStore.socketsOn(['fay'], 'other')).get('fay')).toEqual(new Set(['n1']));
    } finally {
      await after.close();
      await neighbour.close();
      await before.close();
    }
  });
});

describe('When Redis is not configured', () => {
  it('then every mode serves from memory', async () => {
    const flags = presenceFlags({ 'presence.mode': 'redis' });
    const memory = new MemoryPresenceStore();
    const store = new SwitchingPresenceStore({ memory, redisBacked: undefined, flags, logger: silentLogger });
    await store.add('gus', 'g1');
    expect(await store.count('gus')).toBe(1);
    flags.set('presence.mode', 'dual-write');
    expect((await store.isOnline(['gus'])).get('gus')).toBe(true);
    await store.sync('no-op');
    await store.remove('gus', 'g1');
    expect(memory.size).toBe(0);
  });
});
