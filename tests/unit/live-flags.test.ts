import pino from 'pino';
import { readFlagsFromEnv } from '../../backend/config/features';
import { refuseWithoutRedis } from '../../backend/config/redis-requirements';
import { FlagAdmin } from '../../backend/flags/flag-admin';
import { LiveFlags } from '../../backend/flags/live-flags';
import { MemoryFlagOverrideStore } from '../../backend/flags/memory-flag-override-store';
import { resolveFlag } from '../../backend/flags/resolve-flag';

const logger = pino({ level: 'silent' });

function setup(env: Record<string, string> = {}, opts: { withoutRedis?: boolean } = {}) {
  const fromEnv = readFlagsFromEnv(env);
  const store = new MemoryFlagOverrideStore();
  const flags = new LiveFlags({
    store,
    env: { values: fromEnv.values, sources: fromEnv.sources },
    logger,
    allowOverride: opts.withoutRedis ? refuseWithoutRedis : undefined,
  });
  const published: Array<[string, number]> = [];
  const admin = new FlagAdmin({
    store,
    flags,
    publisher: {
      publish: async (f: string, v: number) => {
        published.push([f, v]);
        return true;
      },
    },
    refuse: opts.withoutRedis ? refuseWithoutRedis : undefined,
  });
  return { store, flags, admin, published };
}

describe('When a flag value is resolved', () => {
  const envOnly = { value: 30, source: 'env' as const };

  it('then an active override wins over env, and env over default', () => {
    expect(resolveFlag('presence.redisReadPercent', envOnly, { value: 50, active: true })).toEqual({
      value: 50,
      source: 'override',
    });
    expect(resolveFlag('presence.redisReadPercent', envOnly, undefined)).toEqual(envOnly);
    const { values, sources } = readFlagsFromEnv({});
    expect([values['presence.redisReadPercent'], sources['presence.redisReadPercent']]).toEqual([
      0,
      'default',
    ]);
  });

  it('then a reset override (inactive) falls back to env', () => {
    expect(resolveFlag('presence.redisReadPercent', envOnly, { value: null, active: false })).toEqual(
      envOnly,
    );
  });

  it('then a stored value the schema rejects is ignored and reported', () => {
    const r = resolveFlag('presence.redisReadPercent', envOnly, { value: 150, active: true });
    expect(r.value).toBe(30);
    expect(r.source).toBe('env');
    expect(r.ignoredOverride).toMatch(/schema/);
  });

  it('then without Redis a Redis-backed override is refused', () => {
    const r = resolveFlag(
      'cache.enabled',
      { value: false, source: 'default' },
      { value: true, active: true },
      { allowOverride: refuseWithoutRedis },
    );
    expect(r.value).toBe(false);
    expect(r.ignoredOverride).toMatch(/REDIS_URL/);
  });
});

describe('When flags are live', () => {
  it('then an override is applied, listeners hear it, the version rises, and a reset reverts to env', async () => {
    const { flags, admin, published } = setup({ USE_REDIS_PERCENTAGE: '30' });
    await flags.start();
    const heard: unknown[] = [];
    flags.onChange((name, value, previous) => heard.push([name, value, previous]));
    expect(flags.get('presence.redisReadPercent')).toBe(30);
    expect(flags.version).toBe(0);

    const set = await admin.set('presence.redisReadPercent', 55, 'alice');
    expect(set).toMatchObject({
      name: 'presence.redisReadPercent',
      value: 55,
      source: 'override',
      updatedBy: 'alice',
    });
    expect(flags.get('presence.redisReadPercent')).toBe(55);
    expect(flags.snapshot()['presence.redisReadPercent']).toBe(55);
    expect(flags.version).toBe(1);
    expect(published).toEqual([['presence.redisReadPercent', 1]]);

    const reset = await admin.reset('presence.redisReadPercent', 'bob');
    expect(reset).toMatchObject({ value: 30, source: 'env', updatedBy: 'bob' });
    expect(flags.version).toBe(2);
    expect(heard).toEqual([
      ['presence.redisReadPercent', 55, 30],
      ['presence.redisReadPercent', 30, 55],
    ]);

    const history = await admin.history({ limit: 10 });
    expect(history.map((h) => [h.version, h.action, h.oldValue, h.newValue, h.actor])).toEqual([
      [2, 'reset', 55, 30, 'bob'],
      [1, 'set', 30, 55, 'alice'],
    ]);
    flags.stop();
  });

  it('then overrides written before the start are in force once start resolves', async () => {
    const { store, flags } = setup();
    await store.apply({
      flag: 'metrics.enabled',
      action: 'set',
      value: false,
      oldValue: true,
      newValue: false,
      actor: 'x',
    });
    expect(flags.get('metrics.enabled')).toBe(true);
    await flags.start();
    expect(flags.get('metrics.enabled')).toBe(false);
    expect(flags.describeOne('metrics.enabled').source).toBe('override');
    flags.stop();
  });

  it('then a change of socket.adapter is in force at once and its listeners hear it (the adapter moves live)', async () => {
    const { flags, admin } = setup();
    await flags.start();
    const heard: unknown[] = [];
    flags.onChange((name, value, previous) => heard.push([name, value, previous]));
    const d = await admin.set('socket.adapter', 'redis', 'ops');
    expect(d).toMatchObject({ value: 'redis', source: 'override', restartRequired: false });
    expect(d.restartPending).toBeUndefined();
    expect(flags.get('socket.adapter')).toBe('redis');
    expect(await admin.reset('socket.adapter', 'ops')).toMatchObject({ value: 'memory', source: 'default' });
    expect(heard).toEqual([
      ['socket.adapter', 'redis', 'memory'],
      ['socket.adapter', 'memory', 'redis'],
    ]);
    flags.stop();
  });

  it('then a veto refuses a value before anything is written', async () => {
    const { flags, admin } = setup();
    await flags.start();
    admin.addVeto(async (name, value) => {
      if (name === 'socket.adapter' && value === 'memory') throw new Error('refused');
    });
    await admin.set('socket.adapter', 'redis', 'ops');
    await expect(admin.set('socket.adapter', 'memory', 'ops')).rejects.toThrow('refused');
    await expect(admin.reset('socket.adapter', 'ops')).rejects.toThrow('refused');
    expect(flags.get('socket.adapter')).toBe('redis');
    expect((await admin.history({ limit: 10 })).map((h) => h.newValue)).toEqual(['redis']);
    flags.stop();
  });

  it('then an override of socket.adapter present at start is in force after that start', async () => {
    const first = setup();
    await first.store.apply({
      flag: 'socket.adapter',
      action: 'set',
      value: 'redis-streams',
      oldValue: 'memory',
      newValue: 'redis-streams',
      actor: 'ops',
    });
    await first.flags.start();
    expect(first.flags.get('socket.adapter')).toBe('redis-streams');
    expect(first.flags.describeOne('socket.adapter').source).toBe('override');
    first.flags.stop();
  });

  it.each([
    ['no.such.flag', true, /Unknown flag/],
    ['cache.enabled', 'yes', /Invalid value/],
    ['presence.redisReadPercent', 101, /Invalid value/],
    ['presence.redisReadPercent', -1, /Invalid value/],
    ['presence.redisReadPercent', 2.5, /Invalid value/],
    ['presence.mode', 'everywhere', /Invalid value/],
  ])('then setting %s to %j is a 400 and nothing is written', async (flag, value, message) => {
    const { flags, admin, store } = setup();
    await flags.start();
    await expect(admin.set(flag, value, 'x')).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(message),
    });
    expect(await store.list()).toEqual([]);
    expect(await store.history({ limit: 10 })).toEqual([]);
    flags.stop();
  });

  it('then without Redis a Redis-backed value is a 400', async () => {
    const { flags, admin, store } = setup({}, { withoutRedis: true });
    await flags.start();
    await expect(admin.set('rateLimit.store', 'redis', 'x')).rejects.toMatchObject({ status: 400 });
    // the lane journals in Redis: without it there is nothing a peer could finish from
    await expect(admin.set('messages.conversationWrites', 'deferred', 'x')).rejects.toMatchObject({
      status: 400,
    });
    await expect(admin.set('rateLimit.store', 'memory', 'x')).resolves.toMatchObject({ value: 'memory' });
    expect((await store.list()).map((r) => r.name)).toEqual(['rateLimit.store']);
    flags.stop();
  });

  it('then resetting an unknown flag is a 404', async () => {
    const { flags, admin } = setup();
    await flags.start();
    await expect(admin.reset('nope', 'x')).rejects.toMatchObject({ status: 404 });
    flags.stop();
  });

  it('then refreshes asked for during a read join it and read once more, so a write is never missed', async () => {
    const { store, flags } = setup();
    await flags.start();
    let reads = 0;
    const list = store.list.bind(store);
    store.list = async () => {
      reads += 1;
      return list();
    };
    const a = flags.refresh('poll');
    await store.apply({
      flag: 'cache.ttlSeconds',
      action: 'set',
      value: 42,
      oldValue: 300,
      newValue: 42,
      actor: 'x',
    });
    const b = flags.refresh('message');
    const c = flags.refresh('message');
    await Promise.all([a, b, c]);
    expect(reads).toBe(2);
    expect(flags.get('cache.ttlSeconds')).toBe(42);
    flags.stop();
  });
});
