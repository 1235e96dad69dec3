import { Cluster } from 'ioredis';
import { realtimeDeliveryContract } from '../contracts/realtime-delivery.contract';
import { type Cluster as Instances, startCluster } from '../support/cluster';
import { crashWhileOnline } from '../support/crash-while-online';
import { requestJson } from '../support/http-json';
import { registerOn } from '../support/presence-cluster';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';
import { scrapeMetric } from '../support/scrape-metrics';
import type { ServerProcess } from '../support/server-process';
import { SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Every Redis feature of real instances on a 3-master Redis Cluster (one replica each): the
// delivery and presence contract in each adapter mode, then flags' change notices, the shared
// rate limit, cache invalidation and the presence reaper.
let redisCluster: RedisClusterHandle;
const onCluster = () => ({ REDIS_URL: '', REDIS_CLUSTER_NODES: redisCluster.nodesEnv });

beforeAll(async () => {
  redisCluster = await startRedisCluster();
}, 60_000);
afterAll(() => redisCluster?.stop());

describe.each(['redis', 'redis-sharded', 'redis-streams'] as const)(
  'When sender and recipient are on different instances on a Redis Cluster with socket.adapter=%s',
  (adapter) => realtimeDeliveryContract(adapter, onCluster),
);

describe('When every Redis feature runs on a Redis Cluster', () => {
  const LIMIT = 10;
  let instances: Instances;
  let a: ServerProcess;
  let b: ServerProcess;
  const clients = new SocketClients(() => a.url);

  beforeAll(async () => {
    instances = await startCluster(2, {
      ...onCluster(),
      SOCKET_ADAPTER: 'redis-sharded',
      PRESENCE_MODE: 'redis',
      PRESENCE_GRACE_MS: '0',
      USE_CACHE: 'true',
      RATE_LIMIT_STORE: 'redis',
      RATE_LIMIT_AUTH_MAX: String(LIMIT),
      // the limit test speaks for a client address of its own, apart from the registrations'
      TRUST_PROXY: '1',
      FLAGS_POLL_MS: '60000',
      HEARTBEAT_TTL_SECONDS: '3',
      HEARTBEAT_INTERVAL_MS: '1000',
      PRESENCE_REAP_INTERVAL_MS: '500',
    });
    [a, b] = instances.instances as [ServerProcess, ServerProcess];
  }, 60_000);
  afterAll(async () => {
    clients.closeAll();
    await instances?.stop();
  });

  it('then /health reports Redis up on each instance', async () => {
    for (const i of [a, b]) {
      const health = await requestJson(`${i.url}/health`, { token: TEST_ADMIN_TOKEN });
      expect(health.body.checks.redis).toEqual(expect.objectContaining({ status: 'ok' }));
    }
  });

  it('then an override set on A reaches B by the change notice, not the poll', async () => {
    const before = await scrapeMetric(b.url, 'flag_refreshes_total', { trigger: 'message' });
    const set = await requestJson(`${a.url}/admin/flags`, {
      token: TEST_ADMIN_TOKEN,
      body: { flag: 'cache.ttlSeconds', value: 77 },
    });
    expect(set.status).toBe(200);
    await waitFor(
      'B to apply the override',
      async () =>
        (await requestJson(`${b.url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags[
          'cache.ttlSeconds'
        ],
      (v) => v === 77,
      5000,
    );
    expect(await scrapeMetric(b.url, 'flag_refreshes_total', { trigger: 'message' })).toBeGreaterThan(before);
  });

  it('then a profile cached on B and edited on A reads edited on B at once', async () => {
    const ann = await registerOn(a, 'ann');
    const viewer = await registerOn(b, 'view');
    const profile = async () =>
      (await requestJson(`${b.url}/api/users/${ann.id}`, { token: viewer.token })).body.user;
    const hitsBefore = await scrapeMetric(b.url, 'cache_requests_total', { cache: 'profile', result: 'hit' });
    await profile();
    await profile();
    expect(
      await scrapeMetric(b.url, 'cache_requests_total', { cache: 'profile', result: 'hit' }),
    ).toBeGreaterThan(hitsBefore);
    const edit = await requestJson(`${a.url}/api/users/me`, {
      method: 'PATCH',
      token: ann.token,
      body: { name: 'Edited On The Cluster' },
    });
    expect(edit.status).toBe(200);
    expect((await profile()).name).toBe('Edited On The Cluster');
  });

  it('then /admin/instances lists both instances from their heartbeats', async () => {
    // a beat late on a loaded machine drops an instance until its next one (TTL 3 s here)
    const ids = await waitFor(
      'both instances listed',
      async () => {
        const res = await requestJson(`${a.url}/admin/instances`, { token: TEST_ADMIN_TOKEN });
        return res.status === 200 ? res.body.instances.map((i: { id: string }) => i.id).sort() : [];
      },
      (listed: string[]) => listed.length === 2,
      10_000,
    );
    expect(ids).toEqual([a.instanceId, b.instanceId].sort());
  });

  it('then a SIGKILLed instance’s users are reaped: followers hear "offline" once and its entries are gone from the cluster', async () => {
    const { doomed, dan, heard, answer } = await crashWhileOnline({
      survivor: a,
      add: () => instances.add(),
      clients,
    });
    expect(answer).toBe(false);
    expect(heard).toEqual([
      { userId: dan.id, online: true },
      { userId: dan.id, online: false },
    ]);
    const prefix = instances.env.REDIS_KEY_PREFIX!;
    const redis = new Cluster(redisCluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })));
    try {
      expect(await redis.hlen(`${prefix}presence:u:{${dan.id}}`)).toBe(0);
      expect(await redis.scard(`${prefix}presence:i:{${doomed.instanceId}}`)).toBe(0);
      expect(await redis.smembers(`${prefix}presence:instances`)).not.toContain(doomed.instanceId);
    } finally {
      redis.disconnect();
    }
  }, 45_000);

  it('then logins hammered across both instances are limited to exactly the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        requestJson(`${(i % 2 === 0 ? a : b).url}/api/auth/login`, {
          body: { login: 'nobody_on_the_cluster', password: 'wrong password' },
          headers: { 'x-forwarded-for': '198.51.100.7' },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(LIMIT);
    expect(results.filter((r) => r.status === 429)).toHaveLength(30 - LIMIT);
  });
});
