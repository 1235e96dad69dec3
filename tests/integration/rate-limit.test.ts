import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN } from '../support/test-env';

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const login = { login: 'nobody_at_all', password: 'wrong password' };

describe('When clients exceed the memory-store rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_AUTH_MAX: '3',
      RATE_LIMIT_API_MAX: '8',
      RATE_LIMIT_WINDOW_MS: '60000',
    });
  });
  afterAll(() => t.close());

  it('then the auth limit answers 429 in the contract shape with Retry-After, and is counted', async () => {
    for (let i = 0; i < 3; i++) expect((await t.http.post('/api/auth/login').send(login)).status).toBe(401);
    const limited = await t.http.post('/api/auth/login').send(login);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfterSeconds: expect.any(Number) },
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // the body says what the header says
    expect(limited.body.error.retryAfterSeconds).toBe(Number(limited.headers['retry-after']));
    const text = (await t.http.get('/metrics').set(ADMIN_AUTH)).text;
    expect(text).toContain('rate_limited_total{limiter="auth"} 1');
  });

  it('then the looser API limit covers the rest of /api and not /health', async () => {
    // 4 requests above already count against /api; 4 more are allowed, the 5th is refused
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.http.get('/api/feed')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    expect((await t.http.get('/health/live')).status).toBe(200);
  });

  it('then turning rateLimit.enabled off lets requests through at once', async () => {
    expect(
      (await t.http.post('/admin/flags').set(admin).send({ flag: 'rateLimit.enabled', enabled: false }))
        .status,
    ).toBe(200);
    expect((await t.http.post('/api/auth/login').send(login)).status).toBe(401);
    expect((await t.http.get('/api/feed')).status).toBe(401);
    await t.http.delete('/admin/flags/rateLimit.enabled').set(admin);
    expect((await t.http.get('/api/feed')).status).toBe(429);
  });
});
