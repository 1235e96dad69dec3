import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import type { ServerProcess } from '../support/server-process';
import { request, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

/**
 * Limits hold across instances by default: in production with Redis configured, every limit
 * counts in Redis unless RATE_LIMIT_STORE=memory says otherwise. Two real server processes,
 * NODE_ENV=production, one Redis, and no RATE_LIMIT_STORE anywhere.
 */
const BURST = 20;
const RATE = 0.1;
const AUTH_MAX = 8;

let cluster: Cluster;
let a: ServerProcess;
let b: ServerProcess;
const clients = new SocketClients(() => a.url);
beforeAll(async () => {
  cluster = await startCluster(2, {
    NODE_ENV: 'production',
    RATE_LIMIT_STORE: undefined,
    SOCKET_EVENT_BURST: String(BURST),
    SOCKET_EVENTS_PER_SECOND: String(RATE),
    RATE_LIMIT_AUTH_MAX: String(AUTH_MAX),
  });
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
});
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
});

let n = 0;
async function register(on: ServerProcess): Promise<{ id: string; token: string }> {
  n += 1;
  const name = `lx${n}_${Math.random().toString(36).slice(2, 8)}`;
  const res = await requestJson(`${on.url}/api/auth/register`, {
    body: { username: name, email: `${name}@example.test`, password: 'correct horse battery' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, token: res.body.token };
}

describe('When two production instances share a Redis and RATE_LIMIT_STORE is not set', () => {
  it('then /health (admin) says every limit counts in Redis', async () => {
    for (const on of [a, b]) {
      const res = await requestJson(`${on.url}/health`, { token: TEST_ADMIN_TOKEN });
      const { rateLimits } = res.body.checks;
      expect(rateLimits).toMatchObject({ status: 'ok', store: 'redis' });
      expect(Object.keys(rateLimits.limits)).toEqual(
        expect.arrayContaining(['httpAuth', 'httpApi', 'socketHandshakes', 'socketEvents', 'socketsPerUser']),
      );
      for (const [limit, store] of Object.entries(rateLimits.limits))
        expect([limit, store]).toEqual([limit, 'redis']);
    }
  });

  it("then one user's event budget is shared by sockets on both instances", async () => {
    const [spammer, target] = [await register(a), await register(a)];
    const sockets = await Promise.all([
      ...Array.from({ length: 5 }, () => clients.connect(spammer.token)),
      ...Array.from({ length: 5 }, () => clients.connect(spammer.token, { url: b.url })),
    ]);
    const started = performance.now();
    const acks = await Promise.all(
      sockets.flatMap((s, i) =>
        Array.from({ length: 10 }, (_, j) =>
          request(
            s,
            'message:send',
            { recipientId: target.id, text: `m${i}-${j}`, clientId: `c${i}-${j}` },
            20_000,
          ),
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const accepted = acks.filter((x) => x.ok).length;
    expect(accepted).toBeGreaterThan(0);
    // one budget: its burst plus what it refilled meanwhile, not one burst per instance
    expect(accepted).toBeLessThanOrEqual(BURST + Math.ceil(RATE * seconds));
    expect(acks.filter((x) => !x.ok).every((x) => x.error.code === 'RATE_LIMITED')).toBe(true);
  });

  it('then one address has one login budget across both instances', async () => {
    // a fresh window for the auth limiter is not needed: the two registrations above counted
    // too, so whatever is left of AUTH_MAX is spent here, alternately on each instance
    const statuses: number[] = [];
    for (let i = 0; i < 2 * AUTH_MAX; i++) {
      const res = await requestJson(`${(i % 2 ? b : a).url}/api/auth/login`, {
        body: { login: 'nobody_here', password: 'wrong-password-1' },
      });
      statuses.push(res.status);
    }
    // 2 registrations + these logins against one budget of AUTH_MAX
    expect(statuses.filter((s) => s === 401)).toHaveLength(AUTH_MAX - 2);
    expect(statuses.filter((s) => s === 429)).toHaveLength(AUTH_MAX + 2);
  });
});
