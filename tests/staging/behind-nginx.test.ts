import supertest from 'supertest';
import { type Staging, startStaging } from '../../scripts/staging/start-staging';
import { registerUser, type TestUser } from '../support/api-users';
import { requestJson } from '../support/http-json';
import { startServerProcess } from '../support/server-process';
import { nextEvent, SocketClients } from '../support/socket-clients';
import { freshMongoUrl, TEST_ADMIN_TOKEN, testRedisUrl, testServerEnv } from '../support/test-env';

/**
 * The shipped nginx config (deploy/nginx/nginx.conf) in front of three real instances, started
 * by the same starter as `npm run staging`: what only a real proxy can show.
 */
let staging: Staging;
let alice: TestUser;
let bob: TestUser;
let reader: TestUser;
const AUTH_LIMIT = 5;
const clients = new SocketClients(() => staging.url);

beforeAll(async () => {
  staging = await startStaging({
    env: {
      ...testServerEnv(),
      LOG_LEVEL: 'info',
      MONGO_URL: freshMongoUrl('staging'),
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: `stg${Math.random().toString(36).slice(2, 7)}:`,
      NODE_ENV: 'production',
      RATE_LIMIT_AUTH_MAX: String(AUTH_LIMIT),
      SHUTDOWN_DRAIN_MS: '300',
    },
  });
  // three of this client's five auth requests per window, spent up front so the budget is known
  const http = supertest(staging.url);
  [alice, bob, reader] = [await registerUser(http), await registerUser(http), await registerUser(http)];
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await staging?.stop();
});

describe('When clients reach the instances through nginx', () => {
  it("then REST answers and the request id is nginx's, passed through to the app", async () => {
    const res = await requestJson(`${staging.url}/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('then /metrics and /health/features refuse anonymous callers, /health tells them the status only, and admin tokens pass through', async () => {
    for (const path of ['/metrics', '/health/features']) {
      expect((await requestJson(`${staging.url}${path}`)).status).toBe(401);
      expect((await requestJson(`${staging.url}${path}`, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    }
    expect(Object.keys((await requestJson(`${staging.url}/health`)).body).sort()).toEqual([
      'status',
      'timestamp',
    ]);
    expect(
      (await requestJson(`${staging.url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket.adapter,
    ).toBe('redis');
  });

  it('then Socket.IO starts on long-polling, upgrades to WebSocket through the proxy, and messages flow', async () => {
    const bobSocket = await clients.connect(bob.token, { transports: ['polling', 'websocket'] });
    const aliceSocket = await clients.connect(alice.token, { transports: ['polling', 'websocket'] });
    for (const s of [aliceSocket, bobSocket]) {
      if (s.io.engine.transport.name !== 'websocket')
        await new Promise((r) => s.io.engine.once('upgrade', r));
      expect(s.io.engine.transport.name).toBe('websocket');
    }
    const delivered = nextEvent<{ message: { text: string } }>(bobSocket, 'message:new');
    const ack = await aliceSocket
      .timeout(5000)
      .emitWithAck('message:send', { recipientId: bob.id, text: 'through nginx', clientId: 'nginx-1' });
    expect(ack.ok).toBe(true);
    expect((await delivered).message.text).toBe('through nginx');
  });

  it('then a client on HTTP long-polling only (no WebSocket at all) connects, sends and receives through the proxy', async () => {
    const bobSocket = await clients.connect(bob.token, { transports: ['polling'] });
    const aliceSocket = await clients.connect(alice.token, { transports: ['polling'] });
    expect([aliceSocket.io.engine.transport.name, bobSocket.io.engine.transport.name]).toEqual([
      'polling',
      'polling',
    ]);
    const delivered = nextEvent<{ message: { text: string } }>(bobSocket, 'message:new');
    const ack = await aliceSocket.timeout(5000).emitWithAck('message:send', {
      recipientId: bob.id,
      text: 'polled through nginx',
      clientId: 'nginx-poll-1',
    });
    expect(ack.ok).toBe(true);
    expect((await delivered).message.text).toBe('polled through nginx');
    // and the answer the other way arrives on the pending long-poll
    const back = nextEvent<{ message: { text: string } }>(aliceSocket, 'message:new');
    await bobSocket
      .timeout(5000)
      .emitWithAck('message:send', { recipientId: alice.id, text: 'polled back', clientId: 'nginx-poll-2' });
    expect((await back).message.text).toBe('polled back');
  });

  it('then a spoofed X-Forwarded-For does not get around the login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await requestJson(`${staging.url}/api/auth/login`, {
        body: { login: 'nobody_at_all', password: 'wrong password' },
        headers: { 'x-forwarded-for': `10.9.${i}.${i}` },
      });
      statuses.push(res.status);
    }
    // nginx appends the real peer; with TRUST_PROXY=1 the app keys on that, not on the header,
    // so the 3 registrations and these share one budget of AUTH_LIMIT
    expect(statuses).toEqual([401, 401, 429, 429, 429, 429, 429, 429]);
    expect(statuses.filter((s) => s !== 429)).toHaveLength(AUTH_LIMIT - 3);
  });
});

describe('When every instance is restarted one at a time behind nginx (a rolling deploy)', () => {
  it('then a steady stream of reads sees no failed request', async () => {
    const statuses = new Map<number, number>();
    let stop = false;
    const stream = async () => {
      while (!stop) {
        const res = await requestJson(`${staging.url}/api/feed`, { token: reader.token });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const readers = [stream(), stream(), stream()];
    const original = [...staging.instances];
    for (const [i, old] of original.entries()) {
      await old.stop();
      // the replacement takes the same port, as a deploy on the same host would
      staging.instances.push(
        await startServerProcess({ ...staging.env, INSTANCE_ID: `reborn-${i}`, PORT: String(old.port) }),
      );
    }
    stop = true;
    await Promise.all(readers);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
  }, 60_000);
});
