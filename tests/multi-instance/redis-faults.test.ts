import { type Cluster, startCluster } from '../support/cluster';
import { type JsonResponse, requestJson } from '../support/http-json';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let redis: KillableRedis;
let cluster: Cluster;
let token: string;
let userId: string;

beforeAll(async () => {
  redis = await startKillableRedis();
  cluster = await startCluster(2, {
    REDIS_URL: redis.url,
    // Redis-backed features that all have a fallback: Redis down = degraded, not down
    RATE_LIMIT_STORE: 'redis',
    PRESENCE_MODE: 'dual-write',
    FLAGS_POLL_MS: '2000',
    HEARTBEAT_INTERVAL_MS: '500',
  });
  const reg = await requestJson(`${cluster.instances[0]!.url}/api/auth/register`, {
    body: { username: 'fault_user', email: 'fault@example.test', password: 'correct horse battery' },
  });
  expect(reg.status).toBe(201);
  token = reg.body.token;
  userId = reg.body.user.id;
});
afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

/** API traffic that needs only Mongo, on every instance, until stopped; collects what failed. */
function backgroundTraffic() {
  let phase = 'up';
  let running = true;
  const failures: string[] = [];
  const counts = new Map<string, number>();
  const one = async (label: string, p: Promise<JsonResponse>) => {
    const res = await p.catch((err: Error) => ({ status: 0, body: err.message }) as JsonResponse);
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
    if (res.status < 200 || res.status >= 300)
      failures.push(`${phase} ${label}: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const loop = (async () => {
    let n = 0;
    while (running) {
      for (const p of cluster.instances) {
        n += 1;
        await Promise.all([
          one(`${p.instanceId} GET user`, requestJson(`${p.url}/api/users/${userId}`, { token })),
          one(
            `${p.instanceId} POST post`,
            requestJson(`${p.url}/api/posts`, { token, body: { text: `during ${phase} ${n}` } }),
          ),
          one(`${p.instanceId} GET feed`, requestJson(`${p.url}/api/feed?limit=5`, { token })),
        ]);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    setPhase: (p: string) => {
      phase = p;
    },
    stop: async () => {
      running = false;
      await loop;
      return { failures, counts };
    },
  };
}

const health = (url: string) => requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN });
const allHealth = async (pred: (r: JsonResponse) => boolean, what: string) => {
  for (const p of cluster.instances)
    await waitFor(`${p.instanceId}: ${what}`, () => health(p.url), pred, 15_000);
};

describe('When Redis is killed, restarted, paused and resumed under traffic', () => {
  it('then Mongo-only API routes stay 2xx, /health goes degraded and back, and the breaker opens, probes and closes', async () => {
    await allHealth((r) => r.status === 200 && r.body.checks.redis.status === 'ok', 'healthy at start');
    const traffic = backgroundTraffic();
    try {
      traffic.setPhase('killed');
      await redis.kill();
      await allHealth((r) => r.body.status === 'degraded', 'degraded after kill');
      for (const p of cluster.instances) {
        const h = await health(p.url);
        expect(h.status).toBe(503);
        expect(h.body.checks.redis).toMatchObject({ status: 'fail', breaker: 'open' });
        expect(h.body.checks.database.status).toBe('ok');
        expect((await requestJson(`${p.url}/health/ready`)).status).toBe(200);
      }

      traffic.setPhase('restarted');
      await redis.restart();
      await allHealth(
        (r) => r.status === 200 && r.body.checks.redis.breaker === 'closed',
        'ok after restart',
      );

      traffic.setPhase('paused');
      redis.pause();
      await allHealth(
        (r) => r.body.status === 'degraded' && r.body.checks.redis.breaker !== 'closed',
        'degraded while paused',
      );

      traffic.setPhase('resumed');
      redis.resume();
      await allHealth((r) => r.status === 200 && r.body.status === 'ok', 'ok after resume');
    } finally {
      const { failures, counts } = await traffic.stop();
      expect(failures).toEqual([]);
      for (const phase of ['killed', 'restarted', 'paused', 'resumed'])
        expect(counts.get(phase) ?? 0).toBeGreaterThan(0);
    }

    for (const p of cluster.instances) {
      const out = p.output();
      expect(out).toContain('"msg":"redis breaker open"');
      expect(out).toContain('"msg":"redis breaker half-open"');
      expect(out).toContain('"msg":"redis breaker closed"');
      expect(out).not.toContain('unhandled rejection');
      expect(out).not.toMatch(/uncaught/i);
    }
  });

  it('then every instance still shuts down cleanly with exit code 0', async () => {
    const instances = [...cluster.instances];
    await cluster.stop();
    for (const p of instances) expect(await p.exited).toEqual({ code: 0, signal: null });
  });
});
