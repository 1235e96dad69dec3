import { flagNames } from '../../backend/config/features';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
// named tokens: the audit's "who" is the name of the token used, not a header
const ALICE_TOKEN = 'alice-admin-token-0123456789abcdef';
const BOB_TOKEN = 'bob-admin-token-0123456789abcdef';
const asAlice = { Authorization: `Bearer ${ALICE_TOKEN}` };
const asBob = { Authorization: `Bearer ${BOB_TOKEN}` };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    USE_REDIS_PERCENTAGE: '10',
    ADMIN_TOKENS: `alice:${ALICE_TOKEN},bob:${BOB_TOKEN}`,
  });
});
afterAll(() => t.close());

describe('When the admin API is called without the right token', () => {
  it.each([
    ['GET', '/admin/flags'],
    ['POST', '/admin/flags'],
    ['DELETE', '/admin/flags/cache.enabled'],
    ['GET', '/admin/flags/history'],
    ['GET', '/admin/instances'],
  ])('then %s %s is 401 without a token and 403 with a wrong one', async (method, path) => {
    const send = (h?: string) => {
      const req = t.http[method.toLowerCase() as 'get' | 'post' | 'delete'](path);
      return h ? req.set('Authorization', h) : req;
    };
    const none = await send();
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const wrong = await send(`Bearer ${TEST_ADMIN_TOKEN}x`);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('FORBIDDEN');
  });

  it('then with no ADMIN_TOKEN configured every token is refused with 403', async () => {
    const off = await createTestApp({ ADMIN_TOKEN: undefined });
    try {
      const res = await off.http.get('/admin/flags').set(admin);
      expect(res.status).toBe(403);
    } finally {
      await off.close();
    }
  });
});

describe('When an operator reads and changes flags', () => {
  it('then GET /admin/flags lists every flag with value, default, source and description', async () => {
    const res = await t.http.get('/admin/flags').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.flags.map((f: { name: string }) => f.name).sort()).toEqual([...flagNames].sort());
    const percent = res.body.flags.find((f: { name: string }) => f.name === 'presence.redisReadPercent');
    expect(percent).toMatchObject({
      value: 10,
      default: 0,
      source: 'env',
      restartRequired: false,
      description: expect.any(String),
      updatedAt: null,
      updatedBy: null,
    });
    const adapter = res.body.flags.find((f: { name: string }) => f.name === 'socket.adapter');
    expect(adapter).toMatchObject({ restartRequired: false, value: 'memory' });
  });

  it('then POST sets an override in force at once, audited with who, old and new', async () => {
    const res = await t.http
      .post('/admin/flags')
      .set(asAlice)
      // a header naming someone else changes nothing: the token decides
      .set('x-admin-user', 'mallory')
      .send({ flag: 'presence.redisReadPercent', value: 25 });
    expect(res.status).toBe(200);
    expect(res.body.flag).toMatchObject({
      name: 'presence.redisReadPercent',
      value: 25,
      source: 'override',
      updatedBy: 'alice',
    });
    expect(t.services.flags.get('presence.redisReadPercent')).toBe(25);
    expect((await t.http.get('/health/features').set(admin)).body.flags['presence.redisReadPercent']).toBe(
      25,
    );

    const history = await t.http
      .get('/admin/flags/history')
      .set(admin)
      .query({ flag: 'presence.redisReadPercent' });
    expect(history.status).toBe(200);
    expect(history.body.entries[0]).toMatchObject({
      flag: 'presence.redisReadPercent',
      action: 'set',
      oldValue: 10,
      newValue: 25,
      actor: 'alice',
      version: expect.any(Number),
      at: expect.any(String),
    });
  });

  it('then the seed form {flag, enabled} works for booleans', async () => {
    const res = await t.http
      .post('/admin/flags')
      .set(admin)
      .send({ flag: 'presence.shadowRead', enabled: true });
    expect(res.status).toBe(200);
    expect(res.body.flag).toMatchObject({ value: true, source: 'override' });
    expect(t.services.flags.get('presence.shadowRead')).toBe(true);
  });

  it('then DELETE reverts to env (or default) and is audited', async () => {
    await t.http.post('/admin/flags').set(admin).send({ flag: 'presence.redisReadPercent', value: 40 });
    const res = await t.http.delete('/admin/flags/presence.redisReadPercent').set(asBob);
    expect(res.status).toBe(200);
    expect(res.body.flag).toMatchObject({ value: 10, source: 'env', updatedBy: 'bob' });
    expect(t.services.flags.get('presence.redisReadPercent')).toBe(10);
    const [last] = (await t.http.get('/admin/flags/history').set(admin)).body.entries;
    expect(last).toMatchObject({
      flag: 'presence.redisReadPercent',
      action: 'reset',
      oldValue: 40,
      newValue: 10,
      actor: 'bob',
    });

    const dflt = await t.http.delete('/admin/flags/presence.shadowRead').set(admin);
    expect(dflt.body.flag).toMatchObject({ value: false, source: 'default' });
  });

  it('then DELETE of an unknown flag is a 404', async () => {
    const res = await t.http.delete('/admin/flags/no.such.flag').set(admin);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it.each([
    [{ flag: 'no.such.flag', value: true }],
    [{ flag: 'cache.ttlSeconds', value: '300' }],
    [{ flag: 'cache.ttlSeconds', value: 0 }],
    [{ flag: 'presence.redisReadPercent', value: 101 }],
    [{ flag: 'presence.redisReadPercent', value: 12.5 }],
    [{ flag: 'presence.mode', value: 'sometimes' }],
    [{ flag: 'presence.shadowRead', enabled: 'yes' }],
    [{ flag: 'presence.shadowRead', enabled: true, value: true }],
    [{ flag: 'presence.shadowRead' }],
    [{ value: true }],
    [{ flag: 'presence.shadowRead', value: true, extra: 1 }],
    [{ flag: { $ne: null }, value: true }],
    // Redis-backed values need REDIS_URL, which this app does not have
    [{ flag: 'cache.enabled', value: true }],
  ])('then the bad body %j is a 400 and changes nothing', async (body) => {
    const before = (await t.http.get('/admin/flags').set(admin)).body.flags;
    const historyBefore = (await t.http.get('/admin/flags/history').set(admin)).body.entries.length;
    const res = await t.http.post('/admin/flags').set(admin).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.get('/admin/flags').set(admin)).body.flags).toEqual(before);
    expect((await t.http.get('/admin/flags/history').set(admin)).body.entries.length).toBe(historyBefore);
  });

  it('then malformed JSON and a bad history limit are 400s', async () => {
    const bad = await t.http
      .post('/admin/flags')
      .set(admin)
      .set('content-type', 'application/json')
      .send('{"flag":');
    expect(bad.status).toBe(400);
    expect((await t.http.get('/admin/flags/history').set(admin).query({ limit: 0 })).status).toBe(400);
  });

  it('then GET /admin/instances lists this instance with uptime, connections and flag version', async () => {
    const res = await t.http.get('/admin/instances').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.instances).toEqual([
      expect.objectContaining({
        id: t.services.config.instanceId,
        uptimeSeconds: expect.any(Number),
        connections: 0,
        flagVersion: (t.services.flags as unknown as { version: number }).version,
      }),
    ]);
    expect(res.body.instances[0].flagVersion).toBeGreaterThan(0);
  });

  it('then an override survives a restart: a new app on the same database starts with it', async () => {
    await t.http.post('/admin/flags').set(admin).send({ flag: 'cache.ttlSeconds', value: 77 });
    const again = await createTestApp({ MONGO_URL: t.services.config.mongoUrl });
    try {
      expect(again.services.flags.get('cache.ttlSeconds')).toBe(77);
    } finally {
      await again.services.close();
    }
  });
});

describe('When Redis is configured and socket.adapter is changed', () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await createTestApp({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: `adm${Date.now()}:` });
  });
  afterAll(() => r.close());

  it('then the new value is in force at once, with no restart pending', async () => {
    const res = await r.http.post('/admin/flags').set(admin).send({ flag: 'socket.adapter', value: 'redis' });
    expect(res.status).toBe(200);
    expect(res.body.flag).toMatchObject({ name: 'socket.adapter', value: 'redis', restartRequired: false });
    expect(res.body.flag.restartPending).toBeUndefined();
    expect(r.services.flags.get('socket.adapter')).toBe('redis');
    expect((await r.http.get('/health/features').set(ADMIN_AUTH)).body.flags['socket.adapter']).toBe('redis');
  });

  it('then /admin/instances lists this instance from its heartbeat', async () => {
    const listed = (res: { body: { instances?: Array<{ id: string }> } }) =>
      (res.body.instances ?? []).map((i) => i.id);
    const res = await waitFor(
      'this instance in /admin/instances',
      () => r.http.get('/admin/instances').set(admin),
      (res) => res.status !== 200 || listed(res).includes(r.services.config.instanceId),
      5000,
    );
    expect(res.status).toBe(200);
    expect(listed(res)).toContain(r.services.config.instanceId);
  });
});
