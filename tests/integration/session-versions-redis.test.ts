import { closeRedis, createRedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import type { UserModel } from '../../backend/modules/users/user-model';
import { RedisSessionVersions } from '../../backend/sessions/redis-session-versions';
import { SessionVersions } from '../../backend/sessions/session-versions';
import { freePort } from '../../scripts/databases/free-port';
import { freshPrefix, silentLogger, useTestRedisGuard } from '../support/presence-stores';

/** The users collection as a map, counting reads; a held gate keeps reads from answering. */
function store(initial: Array<[string, number]>) {
  const versions = new Map(initial);
  const reads = { count: 0 };
  const gate = { held: false, release: () => {} };
  const users = {
    findById: (id: string) => ({
      lean: async () => {
        reads.count += 1;
        const v = versions.get(id);
        if (gate.held) await new Promise<void>((r) => (gate.release = r));
        return v === undefined ? null : { tokenVersion: v };
      },
    }),
    updateOne: async ({ _id }: { _id: string }) => {
      const v = versions.get(_id);
      if (v !== undefined) versions.set(_id, v + 1);
    },
  } as unknown as UserModel;
  return { users, versions, reads, gate };
}

const guard = useTestRedisGuard();

/** Instances sharing one Redis prefix and one store, each with its own cache. */
async function cluster(initial: Array<[string, number]>) {
  const s = store(initial);
  const shared = new RedisSessionVersions({ guard: guard(), prefix: freshPrefix(), ttlMs: 60_000 });
  // the offer script is loaded before the tests count anything
  await shared.offer('warm-up', 0);
  const instance = () => new SessionVersions({ users: s.users, cacheMs: 60_000, shared });
  return { ...s, shared, instance };
}

describe('SessionVersions shared in Redis', () => {
  it('When a token was issued on one instance, then another instance checks it with no store read', async () => {
    const c = await cluster([['u1', 3]]);
    await c.instance().issued('u1', 3);
    expect(await c.instance().current('u1')).toBe(3);
    expect(c.reads.count).toBe(0);
  });

  it('When Redis holds no version, then a user’s concurrent checks read the store once, and the next instance reads none', async () => {
    const c = await cluster([['u1', 2]]);
    const first = c.instance();
    const answers = await Promise.all(Array.from({ length: 5 }, () => first.current('u1')));
    expect(answers).toEqual([2, 2, 2, 2, 2]);
    expect(c.reads.count).toBe(1);
    expect(await c.shared.get('u1')).toBe(2);
    expect(await c.instance().current('u1')).toBe(2);
    expect(c.reads.count).toBe(1);
  });

  it('When a user is revoked on one instance, then another instance that never cached the user refuses the old version at once', async () => {
    const c = await cluster([['u1', 0]]);
    const [a, b] = [c.instance(), c.instance()];
    await a.issued('u1', 0);
    expect(await a.bump('u1')).toBe(1);
    expect(await b.current('u1')).toBe(1);
  });

  it('When a store read from before a revocation lands after it, then the shared version stays the new one', async () => {
    const c = await cluster([['u1', 0]]);
    const [slow, bumper] = [c.instance(), c.instance()];
    c.gate.held = true;
    const stale = slow.current('u1');
    // the slow read has begun: the store answered it with version 0
    while (c.reads.count === 0) await new Promise((r) => setImmediate(r));
    c.gate.held = false;
    expect(await bumper.bump('u1')).toBe(1);
    c.gate.release();
    expect(await stale).toBe(0);
    // the stale answer's offer went out before current() returned: Redis has taken or refused it
    expect(await c.shared.get('u1')).toBe(1);
    expect(await c.instance().current('u1')).toBe(1);
  });

  it('When an account is deleted, then every instance reads it as gone from Redis, and no later offer revives it', async () => {
    const c = await cluster([['u1', 4]]);
    await c.instance().issued('u1', 4);
    c.versions.delete('u1');
    await c.instance().bump('u1');
    await c.shared.offer('u1', 9);
    const reads = c.reads.count;
    expect(await c.instance().current('u1')).toBeNull();
    expect(c.reads.count).toBe(reads);
  });

  it('When Redis is down, then checks read the store and a revocation still takes effect', async () => {
    const port = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${port}`, 'fail-fast', silentLogger, 'versions-down');
    const down = new RedisGuard(client, { logger: silentLogger });
    try {
      const s = store([['u1', 5]]);
      const shared = new RedisSessionVersions({ guard: down, prefix: 'down:', ttlMs: 60_000 });
      const sessions = new SessionVersions({ users: s.users, cacheMs: 0, shared });
      await sessions.issued('u1', 5);
      expect(await sessions.current('u1')).toBe(5);
      expect(s.reads.count).toBe(1);
      expect(await sessions.bump('u1')).toBe(6);
      expect(await sessions.current('u1')).toBe(6);
    } finally {
      down.stop();
      await closeRedis(client);
    }
  });
});
