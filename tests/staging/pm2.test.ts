import { io, type Socket } from 'socket.io-client';
import supertest from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { requestJson } from '../support/http-json';
import { hammer } from '../support/http-load';
import { type Pm2App, startPm2App } from '../support/pm2-app';
import { request } from '../support/socket-clients';
import { freshMongoUrl, TEST_JWT_SECRET, TEST_QUOTAS, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/**
 * The pm2 app as the README starts it: the project's own pm2, ecosystem.config.js, two workers
 * behind the nginx front, real Redis and the embedded store. Clients are socket.io-client with
 * its defaults (HTTP long-polling first, then the upgrade; reconnection on), as a browser.
 */
const HELD = 20;
let app: Pm2App;
let watcher: TestUser;
let sender: TestUser;
const held: Array<{ user: TestUser; socket: Socket }> = [];
const others: Socket[] = [];

function defaultClient(url: string, token: string): Socket {
  return io(url, { auth: { token }, forceNew: true });
}

beforeAll(async () => {
  app = await startPm2App({
    MONGO_URL: freshMongoUrl('pm2'),
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `pm2${Math.random().toString(36).slice(2, 7)}:`,
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_MEMORY_KIB: '1024',
    PASSWORD_TIME_COST: '1',
    RATE_LIMIT_AUTH_MAX: '100000',
    RATE_LIMIT_API_MAX: '1000000',
    REGISTER_LIMIT_PER_HOUR: '100000',
    ...TEST_QUOTAS,
    SHUTDOWN_DRAIN_MS: '1000',
    LOG_LEVEL: 'warn',
  });
  const http = supertest(app.url);
  watcher = await registerUser(http);
  sender = await registerUser(http);
  for (let i = 0; i < HELD; i++) {
    const user = await registerUser(http);
    // the watcher follows everyone, so presence:query tells it the truth about them
    await http.put(`/api/users/${user.id}/follow`).set(watcher.auth).expect(200);
    held.push({ user, socket: defaultClient(app.url, user.token) });
  }
}, 120_000);

afterAll(async () => {
  for (const s of [...held.map((h) => h.socket), ...others]) s.disconnect();
  if (!app) return;
  const pids = await app.pids().catch(() => []);
  await app.stop();
  // pm2 kill stops every app and the daemon: none of the pids it ran is alive
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
});

describe('When the app runs under pm2 from the ecosystem file', () => {
  it('then 20 of 20 default clients (polling first) connect, upgrade and get acks', async () => {
    await waitFor(
      'every held socket connected',
      () => held.filter((h) => h.socket.connected).length,
      (n) => n === HELD,
      20_000,
    );
    const acks = await Promise.all(
      held.map((h) => request(h.socket, 'presence:query', { userIds: [sender.id] })),
    );
    expect(acks.map((a) => a.ok)).toEqual(Array(HELD).fill(true));
    await waitFor(
      'every held socket upgraded to WebSocket',
      () => held.filter((h) => h.socket.io.engine.transport.name === 'websocket').length,
      (n) => n === HELD,
    );
  }, 30_000);

  it('then pm2 reload under HTTP load fails no request, every held socket is back within 10 s with presence intact, and a message sent meanwhile arrives', async () => {
    const w = defaultClient(app.url, watcher.token);
    others.push(w);
    const byDisconnect = new Map<Socket, number>();
    const backAfterMs: number[] = [];
    for (const h of held) {
      h.socket.on('disconnect', () => byDisconnect.set(h.socket, Date.now()));
      h.socket.on('connect', () => {
        const at = byDisconnect.get(h.socket);
        if (at !== undefined) backAfterMs.push(Date.now() - at);
      });
    }
    const target = held[0]!;
    const live: string[] = [];
    target.socket.on('message:new', (p: { message: { text: string } }) => live.push(p.message.text));
    const since = new Date(Date.now() - 1000).toISOString();

    // reads and writes, four clients, for as long as the reload takes
    const load = hammer(4, (i) =>
      i % 2 === 0
        ? fetch(`${app.url}/api/feed`, { headers: { authorization: `Bearer ${sender.token}` } })
        : fetch(`${app.url}/api/posts`, {
            method: 'POST',
            headers: { authorization: `Bearer ${sender.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ text: `during reload ${i}` }),
          }),
    );
    const reloading = app.pm2('reload', 'social-scale');
    // the first worker is on its way out: the message goes in while sockets are moving
    await waitFor(
      'a held socket disconnected',
      () => byDisconnect.size,
      (n) => n > 0,
      30_000,
      20,
    );
    const sent = await requestJson(`${app.url}/api/messages`, {
      token: sender.token,
      body: { recipientId: target.user.id, text: 'sent during the reload', clientId: 'reload-1' },
    });
    expect(sent.status).toBe(201);
    await reloading;
    // every socket that was dropped reconnects on its own (reconnection with backoff)
    await waitFor('every held socket back', () => held.every((h) => h.socket.connected), Boolean, 10_000);
    const result = await load.stop();

    expect(result.errors).toEqual({});
    // a failed request shows with what nginx said of it (a reset upstream, say)
    const statuses = Object.keys(result.statuses).sort();
    expect({ statuses, nginx: statuses.join() === '200,201' ? [] : app.lbErrors() }).toEqual({
      statuses: ['200', '201'],
      nginx: [],
    });
    expect(result.total).toBeGreaterThan(50);
    expect(byDisconnect.size).toBe(HELD); // the reload did replace every worker they were on
    expect(backAfterMs.length).toBeGreaterThanOrEqual(HELD);

    // presence survived the move: the watcher sees all of them online
    await waitFor('the watcher connected', () => w.connected, Boolean, 10_000);
    const online = await waitFor(
      'presence of every held user',
      () => request(w, 'presence:query', { userIds: held.map((h) => h.user.id) }),
      (a) => a.ok && Object.values(a.online).every(Boolean),
      10_000,
      200,
    );
    expect(Object.values(online.online)).toEqual(Array(HELD).fill(true));

    // the message reached its user: live, or through sync after the reconnect
    const synced = await request(target.socket, 'sync', { since });
    const texts = new Set([...live, ...synced.messages.map((m: { text: string }) => m.text)]);
    expect(texts.has('sent during the reload')).toBe(true);
    w.disconnect();
    process.stdout.write(
      `pm2 reload: ${result.total} requests ${JSON.stringify(result.statuses)}, failed ${JSON.stringify(result.errors)}; ` +
        `${held.filter((h) => h.socket.connected).length}/${HELD} sockets back, slowest ${Math.max(...backAfterMs)} ms\n`,
    );
  }, 90_000);
});
