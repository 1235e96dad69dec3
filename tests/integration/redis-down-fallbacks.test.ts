import { registerUser, type TestUser } from '../support/api-users';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, freshMongoUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const wrongLogin = { login: 'nobody_at_all', password: 'wrong password' };

let redis: KillableRedis;
let a: TestApp;
let b: TestApp;
let user: TestUser;

beforeAll(async () => {
  redis = await startKillableRedis();
  const env = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `down${Date.now()}:`,
    MONGO_URL: freshMongoUrl('down'),
    RATE_LIMIT_STORE: 'redis',
    RATE_LIMIT_AUTH_MAX: '4',
    RATE_LIMIT_API_MAX: '12',
  };
  a = await createTestApp(env);
  b = await createTestApp(env);
  user = await registerUser(a.http);
});
afterAll(async () => {
  await a?.close();
  await b?.services.close();
  await redis?.stop();
});

describe('When the rate limit store is Redis', () => {
  it('then two apps share one count: the auth limit holds across both', async () => {
    // one POST (register) is already counted; 3 more pass across the two apps, then 429
    const statuses: number[] = [];
    for (const app of [a, b, a, b, a])
      statuses.push((await app.http.post('/api/auth/login').send(wrongLogin)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });
});

describe('When Redis dies while Redis-backed features with fallbacks are on', () => {
  it('then /health turns degraded (503) with the breaker open, ready stays 200, and routes without Redis answer', async () => {
    await redis.kill();
    const health = await waitFor(
      'degraded health',
      () => a.http.get('/health').set(ADMIN_AUTH),
      (res) => res.body.status === 'degraded',
    );
    expect(health.status).toBe(503);
    expect(health.body.checks.redis).toMatchObject({ status: 'fail', breaker: 'open' });
    expect(health.body.checks.database.status).toBe('ok');
    expect((await a.http.get('/health/ready')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await a.http.get(`/api/users/${user.id}`).set(user.auth)).status).toBe(200);
      expect(
        (
          await a.http
            .post('/api/posts')
            .set(user.auth)
            .send({ text: `still here ${i}` })
        ).status,
      ).toBe(201);
    }
  });

  it('then the API limiter lets requests pass rather than refuse everyone', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) statuses.add((await b.http.get('/api/feed').set(user.auth)).status);
    expect([...statuses]).toEqual([200]);
  });

  it('then login falls back to a local count instead of opening wide', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await b.http.post('/api/auth/login').send(wrongLogin)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('then after Redis is back the breaker closes and /health is ok again', async () => {
    await redis.restart();
    const health = await waitFor(
      'ok health',
      () => a.http.get('/health').set(ADMIN_AUTH),
      (res) => res.status === 200,
    );
    expect(health.body).toMatchObject({
      status: 'ok',
      checks: { redis: { status: 'ok', breaker: 'closed' } },
    });
    const text = (await a.http.get('/metrics').set(ADMIN_AUTH)).text;
    expect(text).toContain('redis_breaker_state{breaker="fail-fast"} 0');
  });
});

describe('When an enabled Redis-backed feature has no fallback', () => {
  it('then Redis down makes /health fail rather than degraded', async () => {
    const c = await createTestApp({
      REDIS_URL: redis.url,
      SOCKET_ADAPTER: 'redis',
      REDIS_KEY_PREFIX: `nofb${Date.now()}:`,
    });
    try {
      expect((await c.http.get('/health').set(ADMIN_AUTH)).body.status).toBe('ok');
      await redis.kill();
      const health = await waitFor(
        'failed health',
        () => c.http.get('/health').set(ADMIN_AUTH),
        (res) => res.body.status !== 'ok',
      );
      expect(health.status).toBe(503);
      expect(health.body.status).toBe('fail');
      await redis.restart();
      await waitFor(
        'ok health',
        () => c.http.get('/health').set(ADMIN_AUTH),
        (res) => res.status === 200,
      );
    } finally {
      await c.close();
    }
  });
});
