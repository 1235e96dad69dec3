import { registerUser, type TestUser } from '../support/api-users';
import {
  type ClientSocket,
  connectError,
  nextEvent,
  record,
  request,
  SocketClients,
} from '../support/socket-clients';
import { testRedisUrl } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

const BURST = 40;
const RATE = 0.1;

let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({
    SOCKET_EVENT_BURST: String(BURST),
    SOCKET_EVENTS_PER_SECOND: String(RATE),
    SOCKET_MAX_PER_USER: '40',
    PRESENCE_GRACE_MS: '0',
  });
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

/** Sends `perSocket` message:send on each socket at once; counts the accepted ones. */
async function burst(sockets: ClientSocket[], recipientId: string, perSocket: number) {
  const started = performance.now();
  const acks = await Promise.all(
    sockets.flatMap((s, i) =>
      Array.from({ length: perSocket }, (_, j) =>
        request(s, 'message:send', { recipientId, text: `m${i}-${j}`, clientId: `c${i}-${j}` }, 20_000),
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const accepted = acks.filter((a) => a.ok).length;
  const limited = acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length;
  return { accepted, limited, total: acks.length, seconds };
}

describe('When one user opens 40 sockets and sends 40 message:send on each in a burst', () => {
  it('then at most the per-user budget is accepted and the rest are RATE_LIMITED', async () => {
    const [spammer, target] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const sockets = await Promise.all(Array.from({ length: 40 }, () => clients.connect(spammer.token)));
    const r = await burst(sockets, target.id, 40);
    expect(r.total).toBe(1600);
    expect(r.accepted).toBeGreaterThan(0);
    // the bucket's burst plus what it refilled while the burst ran
    expect(r.accepted).toBeLessThanOrEqual(BURST + Math.ceil(RATE * r.seconds));
    expect(r.accepted + r.limited).toBe(1600);
    // another user's budget is untouched
    const other = await registerUser(t.http);
    const theirs = await clients.connect(other.token);
    expect(
      (await request(theirs, 'message:send', { recipientId: target.id, text: 'hi', clientId: 'x' })).ok,
    ).toBe(true);
  });
});

describe('When the budget is shared through Redis by two instances', () => {
  it('then sockets on both instances draw from one budget', async () => {
    const env = {
      REDIS_URL: testRedisUrl(),
      RATE_LIMIT_STORE: 'redis',
      REDIS_KEY_PREFIX: `abuse${Date.now()}:`,
      SOCKET_EVENT_BURST: '20',
      SOCKET_EVENTS_PER_SECOND: String(RATE),
    };
    const a = await startTestServer(env);
    const b = await startTestServer({ ...env, MONGO_URL: a.server.services.config.mongoUrl });
    const both = new SocketClients(() => a.url);
    try {
      const [spammer, target] = await Promise.all([registerUser(a.http), registerUser(a.http)]);
      const sockets = await Promise.all([
        ...Array.from({ length: 5 }, () => both.connect(spammer.token)),
        ...Array.from({ length: 5 }, () => both.connect(spammer.token, { url: b.url })),
      ]);
      const r = await burst(sockets, target.id, 10);
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.accepted).toBeLessThanOrEqual(20 + Math.ceil(RATE * r.seconds));
    } finally {
      both.closeAll();
      await b.server.shutdown('test done');
      await a.close();
    }
  });
});

describe('When a user opens more sockets than the cap', () => {
  it('then the newest is refused with RATE_LIMITED, the others stay, and a freed place can be taken', async () => {
    const capped = await startTestServer({ SOCKET_MAX_PER_USER: '3' });
    const local = new SocketClients(() => capped.url);
    try {
      const u = await registerUser(capped.http);
      const kept = await Promise.all([
        local.connect(u.token),
        local.connect(u.token),
        local.connect(u.token),
      ]);
      const refused = await connectError(local.open({ token: u.token }));
      expect(refused.message).toBe('RATE_LIMITED');
      expect(refused.data).toEqual({ code: 'RATE_LIMITED', message: 'Too many connections for this user' });
      expect(kept.every((s) => s.connected)).toBe(true);
      // another user is not affected
      const v = await registerUser(capped.http);
      await local.connect(v.token);
      const gone = new Promise((r) => kept[0]!.once('disconnect', r));
      kept[0]!.disconnect();
      await gone;
      // the server frees the place when it sees the close; retry until it has
      let again: ClientSocket | undefined;
      for (let i = 0; i < 50 && !again; i++) again = await local.connect(u.token).catch(() => undefined);
      expect(again?.connected).toBe(true);
    } finally {
      local.closeAll();
      await capped.close();
    }
  });
});

describe('When one address opens handshakes faster than the limit', () => {
  it('then handshakes over it are refused with RATE_LIMITED before the token is even checked', async () => {
    const limited = await startTestServer({ SOCKET_HANDSHAKE_MAX: '3' });
    const local = new SocketClients(() => limited.url);
    try {
      const u = await registerUser(limited.http);
      for (let i = 0; i < 3; i++) (await local.connect(u.token)).disconnect();
      const refused = await connectError(local.open({ token: u.token }));
      expect(refused.message).toBe('RATE_LIMITED');
      const bad = await connectError(local.open({ token: 'garbage' }));
      expect(bad.message).toBe('RATE_LIMITED');
    } finally {
      local.closeAll();
      await limited.close();
    }
  });
});

async function trio(): Promise<[TestUser, TestUser, TestUser]> {
  return Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
}

describe('When a user sends typing', () => {
  it('then only a conversation partner receives it; a stranger and a mere follower do not', async () => {
    const [sender, partner, stranger] = await trio();
    const follower = await registerUser(t.http);
    await t.http.put(`/api/users/${sender.id}/follow`).set(follower.auth).expect(200);
    await t.http.put(`/api/users/${follower.id}/follow`).set(sender.auth).expect(200);
    const s = await clients.connect(sender.token);
    const [p, x, f] = await Promise.all([
      clients.connect(partner.token),
      clients.connect(stranger.token),
      clients.connect(follower.token),
    ]);
    const strangerGot = record(x, 'typing');
    const followerGot = record(f, 'typing');
    // no conversation yet: nothing is delivered, and the ack says nothing about why
    expect(await request(s, 'typing', { recipientId: partner.id, typing: true })).toEqual({ ok: true });
    // the first message opens the conversation; the cached relation is dropped at once
    await t.http
      .post('/api/messages')
      .set(sender.auth)
      .send({ recipientId: partner.id, text: 'hi', clientId: 't1' })
      .expect(201);
    const got = nextEvent(p, 'typing');
    await request(s, 'typing', { recipientId: partner.id, typing: true });
    expect(await got).toEqual({ userId: sender.id, typing: true });
    expect(await request(s, 'typing', { recipientId: stranger.id, typing: true })).toEqual({ ok: true });
    expect(await request(s, 'typing', { recipientId: follower.id, typing: true })).toEqual({ ok: true });
    // a round trip on each socket after the sends: anything relayed would have arrived
    await Promise.all([
      request(x, 'presence:query', { userIds: [stranger.id] }),
      request(f, 'sync', { since: new Date(0).toISOString() }),
    ]);
    expect(strangerGot).toEqual([]);
    expect(followerGot).toEqual([]);
  });
});

describe('When a user asks who is online', () => {
  it('then the real status comes only for users followed or talked to, false for everyone else, and follow/unfollow apply at once', async () => {
    const [asker, followed, stranger] = await trio();
    const partner = await registerUser(t.http);
    await t.http.put(`/api/users/${followed.id}/follow`).set(asker.auth).expect(200);
    await t.http
      .post('/api/messages')
      .set(partner.auth)
      .send({ recipientId: asker.id, text: 'hi', clientId: 'p1' })
      .expect(201);
    await Promise.all([
      clients.connect(followed.token),
      clients.connect(stranger.token),
      clients.connect(partner.token),
    ]);
    const a = await clients.connect(asker.token);
    const ids = [followed.id, stranger.id, partner.id, asker.id];
    expect(await request(a, 'presence:query', { userIds: ids })).toEqual({
      ok: true,
      online: { [followed.id]: true, [stranger.id]: false, [partner.id]: true, [asker.id]: true },
    });
    await t.http.put(`/api/users/${stranger.id}/follow`).set(asker.auth).expect(200);
    expect((await request(a, 'presence:query', { userIds: [stranger.id] })).online).toEqual({
      [stranger.id]: true,
    });
    await t.http.delete(`/api/users/${followed.id}/follow`).set(asker.auth).expect(200);
    expect((await request(a, 'presence:query', { userIds: [followed.id] })).online).toEqual({
      [followed.id]: false,
    });
  });

  it('then presence:changed reaches followers and conversation partners, and not a user the person follows', async () => {
    const [person, fan, partner] = await trio();
    const followee = await registerUser(t.http);
    await t.http.put(`/api/users/${person.id}/follow`).set(fan.auth).expect(200);
    await t.http.put(`/api/users/${followee.id}/follow`).set(person.auth).expect(200);
    await t.http
      .post('/api/messages')
      .set(partner.auth)
      .send({ recipientId: person.id, text: 'hi', clientId: 'q1' })
      .expect(201);
    const [f, p, e] = await Promise.all([
      clients.connect(fan.token),
      clients.connect(partner.token),
      clients.connect(followee.token),
    ]);
    const followeeGot = record<{ userId: string }>(e, 'presence:changed');
    const heard = Promise.all([
      nextEvent(f, 'presence:changed', { where: (c: { userId: string }) => c.userId === person.id }),
      nextEvent(p, 'presence:changed', { where: (c: { userId: string }) => c.userId === person.id }),
    ]);
    await clients.connect(person.token);
    expect(await heard).toEqual([
      { userId: person.id, online: true },
      { userId: person.id, online: true },
    ]);
    await request(e, 'sync', { since: new Date().toISOString() });
    expect(followeeGot.filter((c) => c.userId === person.id)).toEqual([]);
  });
});

describe('When anonymous callers ask the ops endpoints', () => {
  it('then /metrics and /health/features refuse them and /health says the status only', async () => {
    for (const path of ['/metrics', '/health/features']) {
      const res = await t.http.get(path);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect((await t.http.get(path).set('Authorization', 'Bearer not-a-token-of-ours')).status).toBe(403);
    }
    const health = await t.http.get('/health');
    expect(Object.keys(health.body).sort()).toEqual(['status', 'timestamp']);
  });

  it('then METRICS_TOKEN opens /metrics but not the admin API or /health details', async () => {
    const token = 'metrics-scraper-token-0123456789';
    const m = await startTestServer({ METRICS_TOKEN: token });
    try {
      const auth = { Authorization: `Bearer ${token}` };
      const metrics = await m.http.get('/metrics').set(auth);
      expect(metrics.status).toBe(200);
      expect(metrics.text).toContain('http_request_duration_seconds');
      expect((await m.http.get('/admin/flags').set(auth)).status).toBe(403);
      expect((await m.http.get('/health/features').set(auth)).status).toBe(403);
      expect(Object.keys((await m.http.get('/health').set(auth)).body).sort()).toEqual([
        'status',
        'timestamp',
      ]);
    } finally {
      await m.close();
    }
  });
});
