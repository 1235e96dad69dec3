import jwt from 'jsonwebtoken';
import { registerUser, type TestUser } from '../support/api-users';
import { connectError, nextEvent, request, SocketClients } from '../support/socket-clients';
import { ADMIN_AUTH, TEST_JWT_SECRET } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

const ALLOWED_ORIGIN = 'https://app.example.test';

let t: TestServer;
let alice: TestUser;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({ CORS_ORIGIN: ALLOWED_ORIGIN, PRESENCE_GRACE_MS: '50' });
  alice = await registerUser(t.http);
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

describe('When a client connects without a valid token', () => {
  it.each([
    ['no token', () => undefined, 'Token required'],
    ['an empty token', () => '', 'Token required'],
    ['a malformed token', () => 'not.a.jwt', 'Invalid token'],
    [
      'an expired token',
      () => jwt.sign({}, TEST_JWT_SECRET, { subject: alice.id, issuer: 'social-scale', expiresIn: -10 }),
      'Token expired',
    ],
    [
      'a token signed with another secret',
      () => jwt.sign({}, 'some-other-secret-0123456789abcdef', { subject: alice.id, issuer: 'social-scale' }),
      'Invalid token',
    ],
    ['a token that is not a string', () => 42 as unknown as string, 'Token required'],
  ])('then %s fails the handshake with UNAUTHORIZED', async (_name, token, reason) => {
    const socket = clients.open({ token: token() });
    const err = await connectError(socket);
    expect(err.message).toBe('UNAUTHORIZED');
    expect(err.data).toEqual({ code: 'UNAUTHORIZED', message: reason });
  });

  it('then the token is also required when starting with HTTP long-polling', async () => {
    const err = await connectError(clients.open({ transports: ['polling'] }));
    expect(err.message).toBe('UNAUTHORIZED');
    const ok = await clients.connect(alice.token, { transports: ['polling', 'websocket'] });
    expect(ok.connected).toBe(true);
  });
});

describe('When a connected socket outlives its token', () => {
  it('then it is told the session expired and disconnected at the expiry', async () => {
    const shortLived = jwt.sign({ ver: 0 }, TEST_JWT_SECRET, {
      subject: alice.id,
      issuer: 'social-scale',
      audience: 'social-scale:api',
      expiresIn: 2,
    });
    const socket = await clients.connect(shortLived);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const expired = await nextEvent<{ code: string }>(socket, 'session:expired', { timeoutMs: 5000 });
    expect(expired.code).toBe('UNAUTHORIZED');
    // server-side disconnect: the client does not reconnect on its own with the dead token
    expect(await disconnected).toBe('io server disconnect');
    const { exp } = jwt.decode(shortLived) as { exp: number };
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
  });
});

describe('When a browser connects from an origin', () => {
  it('then an allowlisted origin and the same origin connect and any other is refused', async () => {
    const allowed = await clients.connect(alice.token, { headers: { origin: ALLOWED_ORIGIN } });
    expect(allowed.connected).toBe(true);
    const same = await clients.connect(alice.token, { headers: { origin: t.url } });
    expect(same.connected).toBe(true);
    for (const origin of ['https://evil.example.test', 'null', `${ALLOWED_ORIGIN}.evil.test`]) {
      const err = await connectError(clients.open({ token: alice.token, headers: { origin } }));
      expect(err.message).not.toBe('UNAUTHORIZED');
      const polling = clients.open({ token: alice.token, headers: { origin }, transports: ['polling'] });
      await connectError(polling);
    }
  });
});

describe('When a connected client misbehaves', () => {
  it('then an event nobody handles is answered NOT_FOUND', async () => {
    const socket = await clients.connect(alice.token);
    const ack = await request(socket, 'no:such:event', { x: 1 });
    expect(ack).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Unknown event' } });
  });

  it('then a packet over 64 kB closes that connection and the server keeps serving', async () => {
    const socket = await clients.connect(alice.token);
    const closed = nextEvent<string>(socket, 'disconnect');
    socket.emit('message:send', { recipientId: alice.id, text: 'x'.repeat(70 * 1024), clientId: 'big' });
    expect(await closed).toMatch(/transport (close|error)/);
    const again = await clients.connect(alice.token);
    const ack = await request(again, 'presence:query', { userIds: [alice.id] });
    expect(ack.ok).toBe(true);
  });

  it('then /health reports the socket check with the adapter in force and live connections', async () => {
    const before = (await t.http.get('/health').set(ADMIN_AUTH)).body.checks.socket;
    await clients.connect(alice.token);
    const after = (await t.http.get('/health').set(ADMIN_AUTH)).body.checks.socket;
    expect(after).toEqual({
      status: 'ok',
      adapter: 'memory',
      migration: null,
      connections: before.connections + 1,
    });
  });
});

describe('When a socket sends more events than its budget', () => {
  let limited: TestServer;
  const limitedClients = new SocketClients(() => limited.url);
  beforeAll(async () => {
    limited = await startTestServer({
      SOCKET_EVENT_BURST: '5',
      SOCKET_EVENTS_PER_SECOND: '0.1',
      PRESENCE_GRACE_MS: '50',
    });
  });
  afterAll(async () => {
    limitedClients.closeAll();
    await limited.close();
  });

  it("then the events over the burst are answered RATE_LIMITED, the user's other sockets share the budget, and the rest are served", async () => {
    const user = await registerUser(limited.http);
    const socket = await limitedClients.connect(user.token);
    const acks = await Promise.all(
      Array.from({ length: 8 }, () => request(socket, 'presence:query', { userIds: [user.id] })),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(5);
    expect(acks.filter((a) => !a.ok).map((a) => a.error.code)).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    const metrics = await limited.server.services.metrics.rateLimited.get();
    expect(metrics.values.find((v) => v.labels.limiter === 'socket')?.value).toBe(3);
    // the budget is the user's: another device of the same user does not get a fresh one
    const other = await limitedClients.connect(user.token);
    expect((await request(other, 'presence:query', { userIds: [user.id] })).error.code).toBe('RATE_LIMITED');
    // another user's is untouched
    const stranger = await limitedClients.connect((await registerUser(limited.http)).token);
    expect((await request(stranger, 'presence:query', { userIds: [user.id] })).ok).toBe(true);
  });
});

describe('When a handler fails on the server side', () => {
  let broken: TestServer;
  const brokenClients = new SocketClients(() => broken.url);
  beforeAll(async () => {
    broken = await startTestServer({ PRESENCE_GRACE_MS: '50' });
  });
  afterAll(async () => {
    brokenClients.closeAll();
    await broken.close();
  });

  it('then the ack carries the error shape, the socket stays connected and the process keeps serving', async () => {
    const [alice, bob] = await Promise.all([registerUser(broken.http), registerUser(broken.http)]);
    const socket = await brokenClients.connect(alice.token);
    await broken.server.services.mongo.close();
    const ack = await request(socket, 'message:send', {
      recipientId: bob.id,
      text: 'db gone',
      clientId: 'x1',
    });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'Database unavailable, try again' },
    });
    expect(socket.connected).toBe(true);
    // asking about oneself needs no database
    const still = await request(socket, 'presence:query', { userIds: [alice.id] });
    expect(still).toEqual({ ok: true, online: { [alice.id]: true } });
    const errors = await broken.server.services.metrics.socketEvents.get();
    expect(errors.values).toContainEqual(
      expect.objectContaining({ labels: { event: 'message:send', outcome: 'error' }, value: 1 }),
    );
  });
});
