import supertest from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { type NginxProcess, startNginx } from '../support/nginx-process';
import { startServerProcess } from '../support/server-process';
import { nextEvent, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

/**
 * The shipped nginx config (deploy/nginx/nginx.conf) in front of three real instances, as the
 * docker-compose staging runs it: what only a real proxy can show.
 */
let cluster: Cluster;
let nginx: NginxProcess;
let alice: TestUser;
let bob: TestUser;
let reader: TestUser;
const AUTH_LIMIT = 5;
const clients = new SocketClients(() => nginx.url);

beforeAll(async () => {
  cluster = await startCluster(3, {
    TRUST_PROXY: '1',
    SOCKET_ADAPTER: 'redis',
    RATE_LIMIT_STORE: 'redis',
    RATE_LIMIT_AUTH_MAX: String(AUTH_LIMIT),
    SHUTDOWN_DRAIN_MS: '300',
  });
  nginx = await startNginx(cluster.instances.map((i) => i.port));
  // three of this client's five auth requests per window, spent up front so the budget is known
  const http = supertest(nginx.url);
  [alice, bob, reader] = [await registerUser(http), await registerUser(http), await registerUser(http)];
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await nginx?.stop();
  await cluster?.stop();
});

describe('When clients reach the instances through nginx', () => {
  it("then REST answers and the request id is nginx's, passed through to the app", async () => {
    const res = await requestJson(`${nginx.url}/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('then /metrics and /health/features refuse anonymous callers, /health tells them the status only, and admin tokens pass through', async () => {
    for (const path of ['/metrics', '/health/features']) {
      expect((await requestJson(`${nginx.url}${path}`)).status).toBe(401);
      expect((await requestJson(`${nginx.url}${path}`, { token: TEST_ADMIN_TOKEN })).status).toBe(200);
    }
    expect(Object.keys((await requestJson(`${nginx.url}/health`)).body).sort()).toEqual([
      'status',
      'timestamp',
    ]);
    expect(
      (await requestJson(`${nginx.url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket.adapter,
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

  it('then a spoofed X-Forwarded-For does not get around the login limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await requestJson(`${nginx.url}/api/auth/login`, {
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
        const res = await requestJson(`${nginx.url}/api/feed`, { token: reader.token });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    const readers = [stream(), stream(), stream()];
    const original = [...cluster.instances];
    for (const [i, old] of original.entries()) {
      await old.stop();
      // the replacement takes the same port, as a deploy on the same host would
      cluster.instances.push(
        await startServerProcess({ ...cluster.env, INSTANCE_ID: `reborn-${i}`, PORT: String(old.port) }),
      );
    }
    stop = true;
    await Promise.all(readers);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
  }, 60_000);
});
