import { Redis } from 'ioredis';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { scrapeMetric } from '../support/scrape-metrics';
import { ADMIN_AUTH } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';
import { waitFor } from '../support/wait-for';

/**
 * Anonymous GET /health is public: it must not let anyone turn requests into database and
 * Redis round trips. It answers from a probe at most 1 s old; the admin report stays live.
 */
const CALLS = 300;

let redis: KillableRedis;
let t: TestServer;
beforeAll(async () => {
  // a Redis of this test's own, so INFO commandstats counts this server's commands only
  redis = await startKillableRedis();
  t = await startTestServer({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await t?.close();
  await redis?.stop();
});

async function redisPings(): Promise<number> {
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    const stats = await client.info('commandstats');
    return Number(/cmdstat_ping:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

const mongoPings = () => scrapeMetric(t.url, 'mongo_command_duration_seconds_count', { command: 'ping' });

describe(`When ${CALLS} anonymous callers ask /health`, () => {
  it('then MongoDB and Redis are pinged a few times at most, not once per call', async () => {
    const before = { mongo: await mongoPings(), redis: await redisPings() };
    const started = performance.now();
    const statuses: number[] = [];
    // ten at a time, as a crowd of pollers would
    for (let i = 0; i < CALLS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await fetch(`${t.url}/health`);
          const body = (await res.json()) as Record<string, unknown>;
          expect(Object.keys(body).sort()).toEqual(['status', 'timestamp']);
          return res.status;
        }),
      );
      statuses.push(...batch);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = { mongo: await mongoPings(), redis: await redisPings() };
    expect(statuses).toEqual(Array(CALLS).fill(200));
    // one probe per second of the run at most, plus the one in flight at either end
    const allowed = Math.ceil(seconds) + 2;
    expect(after.mongo - before.mongo).toBeLessThanOrEqual(allowed);
    expect(after.redis - before.redis).toBeLessThanOrEqual(allowed);
    // and the answer does not go stale: anonymous calls alone bring a fresh probe within seconds
    await waitFor(
      'an anonymous call to refresh the probe',
      async () => {
        await fetch(`${t.url}/health`);
        return mongoPings();
      },
      (pings) => pings > after.mongo,
      5000,
      100,
    );
  });

  it('then the admin report is still live: every call checks both', async () => {
    const before = { mongo: await mongoPings(), redis: await redisPings() };
    for (let i = 0; i < 3; i++) {
      const res = await t.http.get('/health').set(ADMIN_AUTH);
      expect(res.status).toBe(200);
      expect(res.body.checks.redis.status).toBe('ok');
    }
    const after = { mongo: await mongoPings(), redis: await redisPings() };
    expect(after.mongo - before.mongo).toBe(3);
    expect(after.redis - before.redis).toBe(3);
  });
});
