import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const LIMIT = 10;
const wrongLogin = { login: 'nobody_at_all', password: 'wrong password' };

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster(2, {
    RATE_LIMIT_STORE: 'redis',
    RATE_LIMIT_AUTH_MAX: String(LIMIT),
    RATE_LIMIT_WINDOW_MS: '60000',
  });
});
afterAll(() => cluster?.stop());

/** 40 logins at once, alternating between the instances; returns how many were not refused. */
async function burst(): Promise<{ accepted: number; limited: number }> {
  const [a, b] = cluster.instances;
  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      requestJson(`${(i % 2 === 0 ? a : b)!.url}/api/auth/login`, { body: wrongLogin }),
    ),
  );
  for (const r of results) expect([401, 429]).toContain(r.status);
  const limited = results.filter((r) => r.status === 429);
  for (const r of limited) {
    expect(r.body.error.code).toBe('RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  return { accepted: results.length - limited.length, limited: limited.length };
}

describe('When clients hammer login across two instances', () => {
  it('then with the Redis store the accepted total never exceeds the limit', async () => {
    const { accepted, limited } = await burst();
    expect(accepted).toBeLessThanOrEqual(LIMIT);
    // the counter is atomic in Redis: exactly the limit gets through
    expect(accepted).toBe(LIMIT);
    expect(limited).toBe(40 - LIMIT);
  });

  it('then switching rateLimit.store to memory live gives each instance its own count (why Redis is needed)', async () => {
    const [a, b] = cluster.instances;
    const set = await requestJson(`${a!.url}/admin/flags`, {
      token: TEST_ADMIN_TOKEN,
      body: { flag: 'rateLimit.store', value: 'memory' },
    });
    expect(set.status).toBe(200);
    for (const p of [a, b])
      await waitFor(
        `${p!.instanceId} on the memory store`,
        async () =>
          (await requestJson(`${p!.url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags[
            'rateLimit.store'
          ],
        (store) => store === 'memory',
      );
    const { accepted } = await burst();
    expect(accepted).toBe(2 * LIMIT);
  });
});
