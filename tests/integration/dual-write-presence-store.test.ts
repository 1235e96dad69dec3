import { rolloutBucket } from '../../backend/flags/rollout-bucket';
import { RedisPresenceStore } from '../../backend/presence/redis-presence-store';
import type { ChildService } from '../../scripts/databases/child-service';
import { startRedisServer } from '../../scripts/databases/redis-server';
import {
  capturingLogger,
  freshPrefix,
  metricValue,
  type PresenceKit,
  presenceKit,
} from '../support/presence-stores';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const users = Array.from({ length: 200 }, (_, i) => `user${i}`);
const bucket = (u: string) => rolloutBucket('presence.redisReadPercent', u);

describe('When presence is in dual-write', () => {
  let kit: PresenceKit;
  let other: RedisPresenceStore;
  beforeEach(async () => {
    const prefix = freshPrefix();
    kit = await presenceKit(testRedisUrl(), {
      prefix,
      instanceId: 'A',
      flags: { 'presence.mode': 'dual-write', 'presence.redisReadPercent': 30 },
    });
    // another instance's sockets: only Redis can see them, which tells who answered a read
    other = new RedisPresenceStore({ redis: kit.redis, prefix, instanceId: 'B' });
    for (const u of users) await other.add(u, `b-${u}`);
  });
  afterEach(() => kit.close());

  it('then exactly the users whose bucket is under redisReadPercent read from Redis', async () => {
    const online = await kit.dual.isOnline(users);
    for (const u of users) expect([u, online.get(u)]).toEqual([u, bucket(u) < 30]);
    const toRedis = users.filter((u) => bucket(u) < 30).length;
    expect(toRedis).toBeGreaterThan(0);
    expect(toRedis).toBeLessThan(users.length);
    expect(await metricValue(kit.metrics.presenceReads, { store: 'redis' })).toBe(toRedis);
    expect(await metricValue(kit.metrics.presenceReads, { store: 'memory' })).toBe(users.length - toRedis);

    const inBucket = users.find((u) => bucket(u) < 30)!;
    const outBucket = users.find((u) => bucket(u) >= 30)!;
    expect(await kit.dual.count(inBucket)).toBe(1);
    expect(await kit.dual.count(outBucket)).toBe(0);
  });

  it('then raising the percentage only adds users to Redis reads, and 100 % reads all from Redis', async () => {
    const at30 = await kit.dual.isOnline(users);
    kit.flags.set('presence.redisReadPercent', 60);
    const at60 = await kit.dual.isOnline(users);
    for (const u of users) if (at30.get(u)) expect(at60.get(u)).toBe(true);
    kit.flags.set('presence.redisReadPercent', 100);
    expect([...(await kit.dual.isOnline(users)).values()].every(Boolean)).toBe(true);
    kit.flags.set('presence.redisReadPercent', 0);
    expect([...(await kit.dual.isOnline(users)).values()].some(Boolean)).toBe(false);
  });

  it('then in redis mode every read goes to Redis whatever the percentage', async () => {
    kit.flags.set('presence.redisReadPercent', 0);
    kit.flags.set('presence.mode', 'redis');
    expect([...(await kit.dual.isOnline(users)).values()].every(Boolean)).toBe(true);
  });

  it("then a write lands in both stores, and memory keeps only this instance's sockets", async () => {
    await kit.dual.add('user1', 'a-1');
    expect(kit.memory.socketsOf('user1')).toEqual(new Set(['a-1']));
    expect((await kit.redisStore.socketsOn(['user1'], 'A')).get('user1')).toEqual(new Set(['a-1']));
    expect(await kit.redisStore.count('user1')).toBe(2);
    await kit.dual.remove('user1', 'a-1');
    expect(await kit.redisStore.count('user1')).toBe(1);
    expect(await kit.memory.count('user1')).toBe(0);
  });

  it('then with shadowRead off nothing is compared, and with it on the comparison runs after the answer', async () => {
    await kit.dual.add('user3', 'a-3');
    await kit.dual.isOnline(['user3']);
    await new Promise((r) => setImmediate(r));
    expect(kit.tally.snapshot().compared).toBe(0);

    kit.flags.set('presence.shadowRead', true);
    await kit.dual.isOnline(['user3', 'user4']);
    // the caller already has its answer; the comparison has not run yet
    expect(kit.tally.snapshot().compared).toBe(0);
    await waitFor('two shadow comparisons', () => kit.tally.snapshot().compared === 2);
    expect(kit.tally.snapshot().mismatches).toBe(0);
    expect(await metricValue(kit.metrics.presenceShadow, { result: 'match' })).toBe(2);
  });

  it('then a Redis entry that memory does not have is counted as a mismatch', async () => {
    kit.flags.set('presence.shadowRead', true);
    await kit.dual.add('user5', 'a-5');
    // a lost remove: Redis still says A holds a socket that A closed
    await kit.redisStore.add('user6', 'a-ghost');
    await kit.dual.count('user5');
    await kit.dual.count('user6');
    await waitFor('two shadow comparisons', () => kit.tally.snapshot().compared === 2);
    expect(kit.tally.snapshot()).toMatchObject({ compared: 2, mismatches: 1 });
    expect(await metricValue(kit.metrics.presenceShadow, { result: 'mismatch' })).toBe(1);
  });
});

describe('When Redis dies under dual-write', () => {
  let redisServer: ChildService;
  const logs: Array<Record<string, unknown>> = [];
  let kit: PresenceKit;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    kit = await presenceKit(redisServer.url, {
      logger: capturingLogger(logs),
      instanceId: 'A',
      flags: { 'presence.mode': 'dual-write', 'presence.redisReadPercent': 100, 'presence.shadowRead': true },
    });
  });
  afterAll(async () => {
    await kit.close();
    await redisServer.stop();
  });

  it('then writes still succeed, reads answer from memory and the failures are counted; after Redis returns a backfill brings the shadow tally back to 100 %', async () => {
    await kit.dual.add('alice', 's1');
    await kit.dual.add('bob', 's2');
    await redisServer.stop();
    await waitFor('the client to notice', () => kit.redis.status !== 'ready');

    await expect(kit.dual.add('alice', 's3')).resolves.toBeUndefined();
    await expect(kit.dual.remove('bob', 's2')).resolves.toBeUndefined();
    await kit.dual.add('carol', 's4');
    expect(await kit.dual.isOnline(['alice', 'bob', 'carol'])).toEqual(
      new Map([
        ['alice', true],
        ['bob', false],
        ['carol', true],
      ]),
    );
    expect(await kit.dual.count('alice')).toBe(2);
    expect(await metricValue(kit.metrics.presenceReads, { store: 'memory-fallback' })).toBe(4);
    expect(await metricValue(kit.metrics.presenceSecondaryFailures, { op: 'add' })).toBe(2);
    expect(await metricValue(kit.metrics.presenceSecondaryFailures, { op: 'remove' })).toBe(1);
    expect(await metricValue(kit.metrics.presenceSecondaryFailures, { op: 'read' })).toBe(2);
    // logged at WARN, but once per kind per 10 s: an outage fails every call
    const warnings = logs.filter((l) => l.level === 40 && l.op === 'add');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe('presence: Redis write failed');
    await waitFor('shadow reads to fail', () => kit.tally.snapshot().errors >= 4);

    // redis mode has the same fallback: this instance's own sockets, from memory
    kit.flags.set('presence.mode', 'redis');
    await kit.switching.add('dave', 's5');
    expect(await kit.switching.count('dave')).toBe(1);
    await kit.switching.remove('dave', 's5');
    expect((await kit.switching.isOnline(['dave'])).get('dave')).toBe(false);
    kit.flags.set('presence.mode', 'dual-write');

    // not events.once: it rejects on the reconnect attempts' 'error' events before Redis is back
    const ready = new Promise((resolve) => kit.redis.once('ready', resolve));
    redisServer = await startRedisServer({ port: redisServer.port });
    await ready;
    // what the 'ready' listener of presence/create-presence.ts does (a retry may already be on it)
    await kit.switching.sync('redis ready');
    expect(kit.tally.snapshot()).toMatchObject({ compared: 0, mismatches: 0, errors: 0 });
    expect((await kit.redisStore.socketsOn(['alice', 'bob', 'carol'], 'A')).get('alice')).toEqual(
      new Set(['s1', 's3']),
    );
    expect(await kit.redisStore.count('bob')).toBe(0);
    expect(await kit.redisStore.count('carol')).toBe(1);

    await kit.dual.isOnline(['alice', 'bob', 'carol']);
    await waitFor('three shadow comparisons', () => kit.tally.snapshot().compared === 3);
    expect(kit.tally.snapshot().mismatches).toBe(0);
  });
});
