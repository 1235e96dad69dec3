import { buildConfig } from '../../backend/config/config';
import { createRedisClients } from '../../backend/infra/create-redis-clients';
import { createMetrics } from '../../backend/infra/metrics';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { eventuallySeen, registerOn, watch } from '../support/presence-cluster';
import { silentLogger } from '../support/presence-stores';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';
import { scrapeMetric } from '../support/scrape-metrics';
import {
  makeTestCertificates,
  type SecureRedis,
  startSecureRedis,
  type TestCertificates,
} from '../support/secure-redis';
import { startServerProcess } from '../support/server-process';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { freshMongoUrl, TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Redis as managed services run it: TLS only (no plain port) with a private CA, and a login on
// every connection: requirepass on one Redis, an ACL user on a 3-master cluster (with a replica
// each; the cluster bus and replication are TLS too). Real server processes reach every Redis
// feature through it, and a wrong login stops the start at once with a message saying what to
// fix. Certificates come from `openssl` at test time (tests/support/secure-redis.ts).

const PASSWORD = 'rc-Pw.7f3a9c2e-requirepass';
const ACL_USER = 'social_app';
const ACL_PASSWORD = 'rc-Acl:5d1e8b40/with@odd%chars';
// The ACL user may touch only the keys and channels under this prefix: the app uses no others.
const PREFIX = 'rc:';
const LIMIT = 10;

/**
 * Two instances sharing the secured Redis for everything: the Socket.IO adapter, presence in
 * Redis, the cache, the shared rate limits and flags' change notices.
 */
function everyRedisFeatureWorks(
  adapter: 'redis' | 'redis-sharded' | 'redis-streams',
  redisEnv: () => Record<string, string>,
) {
  let instances: Cluster;
  const clients = new SocketClients(() => instances.instances[0]!.url);
  const a = () => instances.instances[0]!;
  const b = () => instances.instances[1]!;

  beforeAll(async () => {
    instances = await startCluster(2, {
      ...redisEnv(),
      // under the ACL user's prefix, apart from the other adapter's run on the same Redis
      REDIS_KEY_PREFIX: `${PREFIX}${adapter}:`,
      SOCKET_ADAPTER: adapter,
      PRESENCE_MODE: 'redis',
      PRESENCE_GRACE_MS: '0',
      USE_CACHE: 'true',
      RATE_LIMIT_STORE: 'redis',
      RATE_LIMIT_AUTH_MAX: String(LIMIT),
      // the limit test speaks for a client address of its own, apart from the registrations'
      TRUST_PROXY: '1',
      // a flag change can only arrive by the subscriber's notice, not by the poll
      FLAGS_POLL_MS: '60000',
    });
  }, 30_000);
  afterAll(async () => {
    clients.closeAll();
    await instances?.stop();
  });

  it('then /health reports Redis and the adapter up on each instance, and nothing shows the password', async () => {
    for (const i of [a(), b()]) {
      // the adapter's subscriber connections may still be on their way just after the start
      const health = await waitFor(
        `${i.instanceId}'s /health to pass`,
        () => requestJson(`${i.url}/health`, { token: TEST_ADMIN_TOKEN }),
        (res) => res.status === 200,
        5000,
      );
      expect(health.body.checks.redis).toEqual(expect.objectContaining({ status: 'ok' }));
      expect(health.body.checks.socket).toEqual(expect.objectContaining({ status: 'ok', adapter }));
      for (const secret of [PASSWORD, ACL_PASSWORD]) {
        expect(JSON.stringify(health.body)).not.toContain(secret);
        expect(i.output()).not.toContain(secret);
      }
    }
  });

  it('then a message crosses from one instance to the other, and presence reads across them', async () => {
    const ann = await registerOn(a(), 'ann');
    const bob = await registerOn(b(), 'bob');
    // presence:query answers the real status for users the caller follows
    await watch(a(), ann, [bob]);
    const annSocket = await clients.connect(ann.token, { url: a().url });
    const bobSocket = await clients.connect(bob.token, { url: b().url });
    const pushed = nextEvent<{ message: { text: string } }>(bobSocket, 'message:new');
    const ack = await request(annSocket, 'message:send', {
      recipientId: bob.id,
      text: 'over TLS, logged in',
      clientId: `rc-${Date.now()}`,
    });
    expect(ack.ok).toBe(true);
    expect((await pushed).message.text).toBe('over TLS, logged in');
    // bob's socket lives on B; A reads its presence from Redis
    await eventuallySeen(annSocket, bob.id, true, 5000);
  });

  it('then an override set on A reaches B by the change notice', async () => {
    const set = await requestJson(`${a().url}/admin/flags`, {
      token: TEST_ADMIN_TOKEN,
      body: { flag: 'cache.ttlSeconds', value: 91 },
    });
    expect(set.status).toBe(200);
    await waitFor(
      'B to apply the override',
      async () =>
        (await requestJson(`${b().url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags[
          'cache.ttlSeconds'
        ],
      (v) => v === 91,
      5000,
    );
  });

  it('then a profile read twice on B is a cache hit', async () => {
    const cat = await registerOn(a(), 'cat');
    const viewer = await registerOn(b(), 'view');
    const hits = () => scrapeMetric(b().url, 'cache_requests_total', { cache: 'profile', result: 'hit' });
    const before = await hits();
    for (let i = 0; i < 2; i++)
      expect((await requestJson(`${b().url}/api/users/${cat.id}`, { token: viewer.token })).status).toBe(200);
    expect(await hits()).toBeGreaterThan(before);
  });

  it('then logins across both instances share one limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 3 * LIMIT }, (_, i) =>
        requestJson(`${(i % 2 === 0 ? a() : b()).url}/api/auth/login`, {
          body: { login: 'nobody_here', password: 'wrong password' },
          headers: { 'x-forwarded-for': '198.51.100.9' },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(LIMIT);
    expect(results.filter((r) => r.status === 429)).toHaveLength(2 * LIMIT);
  });
}

/** createRedisClients' outcome: the message it rejects with, "ready", or "degraded" (Redis away). */
async function startOutcome(env: Record<string, string>): Promise<{ outcome: string; ms: number }> {
  const started = Date.now();
  try {
    const clients = await createRedisClients({
      config: buildConfig(env),
      logger: silentLogger,
      metrics: createMetrics(),
    });
    const outcome = clients.guard?.client.status === 'ready' ? 'ready' : 'degraded';
    await clients.close();
    return { outcome, ms: Date.now() - started };
  } catch (err) {
    return { outcome: (err as Error).message, ms: Date.now() - started };
  }
}

describe('When one Redis requires a password and speaks only TLS', () => {
  let certs: TestCertificates;
  let redis: SecureRedis;
  const url = () => `rediss://127.0.0.1:${redis.port}`;

  beforeAll(async () => {
    certs = await makeTestCertificates(['IP:127.0.0.1']);
    redis = await startSecureRedis({ certs, password: PASSWORD });
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
    certs?.remove();
  });

  it('then a wrong password stops the start at once, with a message naming REDIS_PASSWORD', async () => {
    const started = Date.now();
    const start = startServerProcess({
      MONGO_URL: freshMongoUrl('rc'),
      REDIS_URL: url(),
      REDIS_PASSWORD: 'not-the-password',
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    const failure = await start.then(
      async (server) => {
        await server.stop();
        return 'it started';
      },
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/exited \(1\) before listening/);
    expect(failure).toContain(
      `failed to start: Redis at 127.0.0.1:${redis.port} refused the credentials (WRONGPASS`,
    );
    expect(failure).toContain('check REDIS_USERNAME and REDIS_PASSWORD');
    expect(failure).not.toContain('not-the-password');
    // no retry loop: one refused login is enough (the rest is the process starting)
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it('then no password, or a CA that did not sign the server certificate, is refused the same way', async () => {
    const none = await startOutcome({ REDIS_URL: url(), REDIS_TLS_CA_FILE: certs.caFile });
    expect(none.outcome).toMatch(/requires a password \(NOAUTH .*\): set REDIS_PASSWORD/);
    const untrusted = await startOutcome({
      REDIS_URL: url(),
      REDIS_PASSWORD: PASSWORD,
      REDIS_TLS_CA_FILE: certs.otherCaFile,
    });
    expect(untrusted.outcome).toMatch(/sent a certificate this process does not trust .*REDIS_TLS_CA_FILE/);
    for (const r of [none, untrusted]) expect(r.ms).toBeLessThan(1500);
    // the same password in the URL instead of REDIS_PASSWORD
    const inUrl = await startOutcome({
      REDIS_URL: `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}`,
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    expect(inUrl.outcome).toBe('ready');
  });

  describe.each(['redis', 'redis-streams'] as const)(
    'and two instances on the %s adapter get the password and the CA',
    (adapter) => {
      everyRedisFeatureWorks(adapter, () => ({
        REDIS_URL: url(),
        REDIS_PASSWORD: PASSWORD,
        REDIS_TLS_CA_FILE: certs.caFile,
      }));
    },
  );
});

describe('When a 3-master Redis Cluster requires an ACL user and speaks only TLS', () => {
  let certs: TestCertificates;
  let cluster: RedisClusterHandle;
  // the certificate names a host, not an address: the nodes are reached (and announce
  // themselves) by 127.0.0.1, so REDIS_TLS_SERVERNAME says which name to check
  const SERVERNAME = 'redis.cluster.test';
  const seeds = (login: string) => cluster.nodes.map((n) => `rediss://${login}127.0.0.1:${n.port}`).join(',');
  const login = (password: string) => `${ACL_USER}:${encodeURIComponent(password)}@`;

  beforeAll(async () => {
    certs = await makeTestCertificates([`DNS:${SERVERNAME}`]);
    cluster = await startRedisCluster({
      secure: {
        certs,
        user: ACL_USER,
        password: ACL_PASSWORD,
        acl: [`~${PREFIX}*`, `&${PREFIX}*`, '+@all'],
        servername: SERVERNAME,
      },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    certs?.remove();
  });

  it('then a wrong password, or the variables in place of the URL form, are answered at once', async () => {
    const tls = { REDIS_TLS_CA_FILE: certs.caFile, REDIS_TLS_SERVERNAME: SERVERNAME };
    const wrong = await startOutcome({ REDIS_CLUSTER_NODES: seeds(login('not-it')), ...tls });
    expect(wrong.outcome).toMatch(
      /^Redis Cluster \(127\.0\.0\.1:\d+,.*\) refused the credentials \(WRONGPASS/,
    );
    expect(wrong.ms).toBeLessThan(1500);
    const noName = await startOutcome({
      REDIS_CLUSTER_NODES: seeds(login(ACL_PASSWORD)),
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    expect(noName.outcome).toMatch(/sent a certificate for another name .*REDIS_TLS_SERVERNAME/);
    expect(noName.ms).toBeLessThan(1500);
    const variables = await startOutcome({
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      REDIS_TLS: 'true',
      REDIS_USERNAME: ACL_USER,
      REDIS_PASSWORD: ACL_PASSWORD,
      ...tls,
    });
    expect(variables.outcome).toBe('ready');
  });

  describe('and two instances get the user and password in the seeds, and the CA', () => {
    everyRedisFeatureWorks('redis-sharded', () => ({
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: seeds(login(ACL_PASSWORD)),
      REDIS_TLS_CA_FILE: certs.caFile,
      REDIS_TLS_SERVERNAME: SERVERNAME,
    }));
  });
});
