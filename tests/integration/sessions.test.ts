import { registerUser } from '../support/api-users';
import { connectError, nextEvent, SocketClients } from '../support/socket-clients';
import { testRedisUrl } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

const disconnected = (s: { once(e: 'disconnect', f: (reason: string) => void): unknown }) =>
  new Promise<string>((r) => s.once('disconnect', r));

describe('When a user logs out', () => {
  it('then every token of the user is refused, live sockets hear session:revoked and close, and a new login works', async () => {
    const u = await registerUser(t.http);
    const other = await registerUser(t.http);
    const login = await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'correct horse battery' })
      .expect(200);
    const second = { Authorization: `Bearer ${login.body.token}` };
    const [s1, s2] = await Promise.all([clients.connect(u.token), clients.connect(login.body.token)]);
    const bystander = await clients.connect(other.token);
    const revoked = Promise.all([nextEvent(s1, 'session:revoked'), nextEvent(s2, 'session:revoked')]);
    const closed = Promise.all([disconnected(s1), disconnected(s2)]);

    await t.http.post('/api/auth/logout').set(u.auth).expect(204);

    const [payload] = await revoked;
    expect(payload).toEqual({ code: 'UNAUTHORIZED', message: 'Session revoked' });
    expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
    for (const auth of [u.auth, second]) {
      const res = await t.http.get('/api/auth/me').set(auth);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: 'Session revoked' });
    }
    const refused = await connectError(clients.open({ token: u.token }));
    expect(refused.message).toBe('UNAUTHORIZED');
    expect(bystander.connected).toBe(true);
    await t.http.get('/api/auth/me').set(other.auth).expect(200);

    const again = await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'correct horse battery' })
      .expect(200);
    await t.http
      .get('/api/auth/me')
      .set({ Authorization: `Bearer ${again.body.token}` })
      .expect(200);
  });

  it('then logout without a valid token is 401 and revokes nothing', async () => {
    const res = await t.http.post('/api/auth/logout');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('When a user changes the password', () => {
  it('then the old password and every old token stop working, sockets are revoked, and the answer carries a working token', async () => {
    const u = await registerUser(t.http);
    const socket = await clients.connect(u.token);
    const revoked = nextEvent(socket, 'session:revoked');
    const res = await t.http
      .post('/api/auth/password')
      .set(u.auth)
      .send({ currentPassword: 'correct horse battery', newPassword: 'a much better passphrase' })
      .expect(200);
    await revoked;
    expect((await t.http.get('/api/auth/me').set(u.auth)).status).toBe(401);
    await t.http
      .get('/api/auth/me')
      .set({ Authorization: `Bearer ${res.body.token}` })
      .expect(200);
    await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'correct horse battery' })
      .expect(401);
    await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'a much better passphrase' })
      .expect(200);
  });

  it('then a wrong current password is 401 and changes nothing, and a short new one is 400', async () => {
    const u = await registerUser(t.http);
    const wrong = await t.http
      .post('/api/auth/password')
      .set(u.auth)
      .send({ currentPassword: 'not it at all', newPassword: 'a much better passphrase' });
    expect(wrong.status).toBe(401);
    const short = await t.http
      .post('/api/auth/password')
      .set(u.auth)
      .send({ currentPassword: 'correct horse battery', newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('VALIDATION_FAILED');
    await t.http.get('/api/auth/me').set(u.auth).expect(200);
    await t.http
      .post('/api/auth/login')
      .send({ login: u.username, password: 'correct horse battery' })
      .expect(200);
  });
});

describe('When a user logs out on one instance', () => {
  it('then the sockets and the cached session on another instance are revoked at once', async () => {
    const redis = {
      REDIS_URL: testRedisUrl(),
      SOCKET_ADAPTER: 'redis',
      REDIS_KEY_PREFIX: `sess${Date.now()}:`,
    };
    const a = await startTestServer({ ...redis, TOKEN_VERSION_CACHE_MS: '60000' });
    const mongoUrl = a.server.services.config.mongoUrl;
    const b = await startTestServer({ ...redis, MONGO_URL: mongoUrl, TOKEN_VERSION_CACHE_MS: '60000' });
    const onB = new SocketClients(() => b.url);
    try {
      const u = await registerUser(a.http);
      // b caches the session version (for a minute) on this call
      await b.http.get('/api/auth/me').set(u.auth).expect(200);
      const socket = await onB.connect(u.token);
      const revoked = nextEvent(socket, 'session:revoked');
      await a.http.post('/api/auth/logout').set(u.auth).expect(204);
      await revoked;
      expect((await b.http.get('/api/auth/me').set(u.auth)).status).toBe(401);
    } finally {
      onB.closeAll();
      await b.server.shutdown('test done');
      await a.close();
    }
  });
});
