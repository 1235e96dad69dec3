import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let u: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  u = await registerUser(t.http);
});
afterAll(() => t.close());

describe('When a request is malformed', () => {
  it('then malformed JSON is a 400 in the error shape', async () => {
    const res = await t.http
      .post('/api/posts')
      .set(u.auth)
      .set('content-type', 'application/json')
      .send('{"text": ');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'VALIDATION_FAILED', message: 'Malformed JSON body' } });
  });

  it('then a body over 100 kB is a 413 and stores nothing', async () => {
    const before = await t.services.mongo.collection('posts').countDocuments();
    const res = await t.http
      .post('/api/posts')
      .set(u.auth)
      .send({ text: 'x'.repeat(101 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await t.services.mongo.collection('posts').countDocuments()).toBe(before);
  });

  it('then an unknown route is a JSON 404', async () => {
    const res = await t.http.get('/api/nothing/here').set(u.auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['/api/posts', { text: { $ne: null } }],
    ['/api/posts', { text: 'ok', $where: 'sleep(100)' }],
    ['/api/auth/login', { login: { $gt: '' }, password: 'x' }],
    ['/api/auth/register', { username: { $regex: '.*' }, email: 'a@b.c', password: 'password123' }],
  ])('then an operator payload to %s is a 400', async (path, body) => {
    const res = await t.http.post(path).set(u.auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('then an operator in a query string is a 400, not a filter', async () => {
    const res = await t.http.get('/api/feed?limit[$gt]=1').set(u.auth);
    expect(res.status).toBe(400);
  });

  it('then security headers are set and no CORS header is sent without an allowlist', async () => {
    const res = await t.http.get('/health/live').set('Origin', 'https://evil.example');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/.+/);
  });
});

describe('When CORS_ORIGIN lists an origin', () => {
  it('then that origin is allowed and others are not', async () => {
    const c = await createTestApp({ CORS_ORIGIN: 'https://app.example, https://admin.example' });
    try {
      const ok = await c.http.get('/health/live').set('Origin', 'https://admin.example');
      expect(ok.headers['access-control-allow-origin']).toBe('https://admin.example');
      const no = await c.http.get('/health/live').set('Origin', 'https://evil.example');
      expect(no.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await c.close();
    }
  });
});
