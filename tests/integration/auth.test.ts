import jwt from 'jsonwebtoken';
import { registerUser, uniqueName } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';
import { TEST_JWT_SECRET } from '../support/test-env';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const password = 'correct horse battery';

describe('When a user registers', () => {
  it('then the response has the user and a token that works on /auth/me', async () => {
    const name = uniqueName('Reg');
    const res = await t.http
      .post('/api/auth/register')
      .send({ username: name, email: `${name}@Example.test`, password });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({
      username: name.toLowerCase(),
      followersCount: 0,
      followingCount: 0,
    });
    expect(res.body.user.email).toBe(`${name}@example.test`.toLowerCase());
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(res.body.user.id);
  });

  it('then the same username in another case is a 409 and creates nothing', async () => {
    const name = uniqueName('dup');
    await registerUser(t.http, name);
    const before = await t.services.mongo.collection('users').countDocuments();
    const res = await t.http
      .post('/api/auth/register')
      .send({ username: name.toUpperCase(), email: `other-${name}@example.test`, password });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(await t.services.mongo.collection('users').countDocuments()).toBe(before);
  });

  it('then a taken email in another case is a 409', async () => {
    const name = uniqueName('mail');
    await registerUser(t.http, name);
    const res = await t.http
      .post('/api/auth/register')
      .send({ username: uniqueName('x'), email: `${name}@EXAMPLE.test`, password });
    expect(res.status).toBe(409);
    expect(res.body.error.details[0].path).toBe('email');
  });

  it('then two concurrent sign-ups for one name make exactly one account', async () => {
    const name = uniqueName('race');
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        t.http
          .post('/api/auth/register')
          .send({ username: name, email: `${i}${name}@example.test`, password }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await t.services.mongo.collection('users').countDocuments({ username: name })).toBe(1);
  });

  it.each([
    [{ username: 'ab', email: 'ab@example.test', password }, 'username'],
    [{ username: 'bad name!', email: 'b@example.test', password }, 'username'],
    [{ username: 'okname', email: 'not-an-email', password }, 'email'],
    [{ username: 'okname', email: 'o@example.test', password: 'short' }, 'password'],
    [{ username: 'okname', email: 'o@example.test', password: 'x'.repeat(129) }, 'password'],
    [{ username: 'okname', email: 'o@example.test', password, role: 'admin' }, ''],
  ])('then invalid input %j is a 400 naming %s', async (body, path) => {
    const res = await t.http.post('/api/auth/register').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    if (path) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });
});

describe('When a user logs in', () => {
  it('then the username or the email, in any case, works', async () => {
    const u = await registerUser(t.http);
    for (const login of [u.username, u.username.toUpperCase(), `${u.username}@example.test`]) {
      const res = await t.http.post('/api/auth/login').send({ login, password });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(u.id);
      expect(typeof res.body.token).toBe('string');
    }
  });

  it('then a wrong password and an unknown user are the same 401', async () => {
    const u = await registerUser(t.http);
    const wrong = await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'wrong password' });
    const unknown = await t.http.post('/api/auth/login').send({ login: 'nobody_here', password });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
  });

  it('then an operator payload is a 400, not a login', async () => {
    await registerUser(t.http);
    const res = await t.http.post('/api/auth/login').send({ login: { $ne: null }, password: { $ne: null } });
    expect(res.status).toBe(400);
    expect(res.body).not.toHaveProperty('token');
  });
});

describe('When a token is presented', () => {
  it('then a missing, malformed, expired, alg:none or foreign-secret token is a 401', async () => {
    const u = await registerUser(t.http);
    const expired = jwt.sign({}, TEST_JWT_SECRET, { subject: u.id, issuer: 'social-scale', expiresIn: -10 });
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: u.id, iss: 'social-scale', exp: Math.floor(Date.now() / 1000) + 3600 }),
    ).toString('base64url')}.`;
    const foreign = jwt.sign({}, 'another-secret-entirely-0123456789', {
      subject: u.id,
      issuer: 'social-scale',
    });
    const wrongIssuer = jwt.sign({}, TEST_JWT_SECRET, { subject: u.id, issuer: 'someone-else' });
    const headers = [
      undefined,
      'Bearer',
      'Bearer not.a.jwt',
      `Bearer ${expired}`,
      `Bearer ${none}`,
      `Bearer ${foreign}`,
      `Bearer ${wrongIssuer}`,
    ];
    for (const h of headers) {
      const req = t.http.get('/api/auth/me');
      const res = await (h ? req.set('Authorization', h) : req);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    }
    const exp = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${expired}`);
    expect(exp.body.error.message).toBe('Token expired');
  });
});
