import supertest from 'supertest';
import { createApp } from '../../backend/app';
import { buildConfig } from '../../backend/config/config';
import { AuthService } from '../../backend/modules/users/auth-service';
import { createArgon2Hasher } from '../../backend/modules/users/password-hasher';
import { createServices, type Services } from '../../backend/services';
import { conforming } from '../support/api-conformance';
import { registerUser, uniqueName } from '../support/api-users';
import { argon2Parameters, type CountingHasher, countingHasher } from '../support/counting-hasher';
import { freshMongoUrl, testRedisUrl, testServerEnv } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Identity and abuse limits, passwords: trivial and common passwords are refused at sign-up
 * and on a change, a login for an unknown account does the same argon2 work as a wrong
 * password, and sign-ups have their own strict limit per address.
 */
const STRONG = 'correct horse battery';
const TRIVIAL = [
  '        ',
  '\0'.repeat(8),
  'password',
  '12345678',
  'qwertyuiop',
  'aaaaaaaaaaaa',
  'P@ssw0rd!',
];

describe('Weak passwords', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it.each(TRIVIAL.map((p) => [JSON.stringify(p), p]))(
    'When a client registers with the password %s, then the answer is 400 WEAK_PASSWORD and no account exists',
    async (_shown, password) => {
      const username = uniqueName('weak');
      const res = await t.http
        .post('/api/auth/register')
        .send({ username, email: `${username}@example.test`, password });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('WEAK_PASSWORD');
      expect(res.body.error.details).toEqual([{ path: 'password', message: expect.any(String) }]);
      expect(await t.server.services.userModel.exists({ username })).toBeNull();
    },
  );

  it('When a password is made of the account’s own username, then registration is 400 WEAK_PASSWORD', async () => {
    const username = uniqueName('martina');
    const res = await t.http
      .post('/api/auth/register')
      .send({ username, email: `${username}@example.test`, password: `${username}1` });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEAK_PASSWORD');
  });

  it('When a signed-in user changes to a common password, then it is 400 WEAK_PASSWORD and the old one still works', async () => {
    const user = await registerUser(t.http);
    const res = await t.http
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: STRONG, newPassword: 'password1' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEAK_PASSWORD');
    // nothing changed: the session lives on and the old password signs in
    await t.http.get('/api/auth/me').set(user.auth).expect(200);
    await t.http.post('/api/auth/login').send({ login: user.username, password: STRONG }).expect(200);
    // a strong one is taken
    await t.http
      .post('/api/auth/password')
      .set(user.auth)
      .send({ currentPassword: STRONG, newPassword: 'a much better passphrase' })
      .expect(200);
  });
});

describe('Logins for unknown accounts', () => {
  let services: Services;
  let hasher: CountingHasher;
  let http: ReturnType<typeof supertest>;
  beforeAll(async () => {
    const config = buildConfig(testServerEnv({ MONGO_URL: freshMongoUrl('pwlogin') }));
    services = await createServices(config);
    // the real app and store, with the real argon2 hasher wrapped to record each verification
    hasher = countingHasher(createArgon2Hasher(config.password));
    const auth = new AuthService({
      users: services.userModel,
      hasher,
      tokens: services.tokens,
      versions: services.sessions,
    });
    http = conforming(supertest(createApp({ ...services, auth })));
  });
  afterAll(async () => {
    await services.mongo.dropDatabase().catch(() => {});
    await services.close();
  });

  it('When a login names an unknown user, then argon2 verifies the password as for a wrong one, with the same parameters', async () => {
    const user = await registerUser(http);
    const realHash = hasher.made.at(-1)!;
    const N = 5;
    const wrong = await loginsFrom(N, () => ({ login: user.username, password: 'not the password at all' }));
    const unknown = await loginsFrom(N, (i) => ({
      login: i % 2 ? uniqueName('ghost') : `${uniqueName('ghost')}@example.test`,
      password: 'not the password at all',
    }));

    // one verification per login either way, so neither answers sooner
    expect(wrong.verified).toEqual(Array(N).fill(realHash));
    expect(unknown.verified).toHaveLength(N);
    for (const hash of unknown.verified) {
      expect(hash).not.toBe(realHash);
      expect(argon2Parameters(hash)).toBe(argon2Parameters(realHash));
    }
    // and the answers are the same
    expect(new Set([...wrong.answers, ...unknown.answers])).toEqual(
      new Set([JSON.stringify({ status: 401, code: 'UNAUTHORIZED', message: 'Wrong login or password' })]),
    );
  });

  async function loginsFrom(n: number, body: (i: number) => { login: string; password: string }) {
    const from = hasher.verifiedAgainst.length;
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await http.post('/api/auth/login').send(body(i));
      answers.push(
        JSON.stringify({ status: res.status, code: res.body.error?.code, message: res.body.error?.message }),
      );
    }
    return { verified: hasher.verifiedAgainst.slice(from), answers };
  }
});

describe('The sign-up limit', () => {
  const LIMIT = 3;

  async function signUp(t: TestServer, from?: string, username = uniqueName('signup')) {
    const req = t.http.post('/api/auth/register');
    if (from) req.set('X-Forwarded-For', from);
    return req.send({ username, email: `${username}@example.test`, password: STRONG });
  }

  it('When one address registers more than REGISTER_LIMIT_PER_HOUR times, then the next is 429 RATE_LIMITED with retryAfterSeconds', async () => {
    const t = await startTestServer({ REGISTER_LIMIT_PER_HOUR: String(LIMIT), TRUST_PROXY: '1' });
    try {
      const first = await signUp(t, '198.51.100.7');
      expect(first.status).toBe(201);
      // a taken name still answers 409, and counts: probing which names exist is what is limited
      expect((await signUp(t, '198.51.100.7', first.body.user.username)).status).toBe(409);
      expect((await signUp(t, '198.51.100.7')).status).toBe(201);

      const over = await signUp(t, '198.51.100.7');
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe('RATE_LIMITED');
      const seconds = over.body.error.retryAfterSeconds;
      expect(Number.isInteger(seconds)).toBe(true);
      expect(seconds).toBeGreaterThan(3000);
      expect(seconds).toBeLessThanOrEqual(3600);
      expect(Number(over.headers['retry-after'])).toBe(seconds);

      // per address: another one signs up, and login from the limited one is not this limit's
      expect((await signUp(t, '198.51.100.8')).status).toBe(201);
      await t.http
        .post('/api/auth/login')
        .set('X-Forwarded-For', '198.51.100.7')
        .send({ login: first.body.user.username, password: STRONG })
        .expect(200);
    } finally {
      await t.close();
    }
  });

  it('When two instances share Redis, then one address’s sign-ups on both count against one limit', async () => {
    const env = {
      REGISTER_LIMIT_PER_HOUR: String(LIMIT),
      REDIS_URL: testRedisUrl(),
      RATE_LIMIT_STORE: 'redis',
      REDIS_KEY_PREFIX: `signup${Date.now()}:`,
    };
    const a = await startTestServer(env);
    const b = await startTestServer({ ...env, MONGO_URL: a.server.services.config.mongoUrl });
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push((await signUp(i % 2 ? b : a)).status);
      expect(statuses).toEqual([...Array(LIMIT).fill(201), 429]);
      const again = await signUp(a);
      expect(again.status).toBe(429);
      expect(again.body.error.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
