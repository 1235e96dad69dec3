import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { scrapeMetric } from '../support/scrape-metrics';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// The spec: an override set on one instance is in force on every other within 1 s.
const PROPAGATION_DEADLINE_MS = 1000;

let redis: KillableRedis;
let cluster: Cluster;
beforeAll(async () => {
  redis = await startKillableRedis();
  cluster = await startCluster(2, {
    REDIS_URL: redis.url,
    FLAGS_POLL_MS: '2000',
    HEARTBEAT_INTERVAL_MS: '300',
  });
});
afterAll(async () => {
  await cluster?.stop();
  await redis?.stop();
});

const setFlag = (url: string, flag: string, value: unknown) =>
  requestJson(`${url}/admin/flags`, { token: TEST_ADMIN_TOKEN, body: { flag, value } });
const noticeArrives = (url: string, before: number) =>
  waitFor(
    'the change notice on B',
    () => scrapeMetric(url, 'flag_refreshes_total', { trigger: 'message' }),
    (n) => n > before,
    PROPAGATION_DEADLINE_MS,
    10,
  );
const featureOn = async (url: string, flag: string) =>
  (await requestJson(`${url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags[flag];

describe('When an override is set on instance A', () => {
  it('then instance B has it in force within 1 s, delivered by the Redis notice', async () => {
    const [a, b] = cluster.instances;
    const messagesBefore = await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'message' });
    const set = await setFlag(a!.url, 'cache.ttlSeconds', 123);
    expect(set.status).toBe(200);
    await waitFor(
      'B to apply',
      () => featureOn(b!.url, 'cache.ttlSeconds'),
      (v) => v === 123,
      PROPAGATION_DEADLINE_MS,
      10,
    );
    // B's poll may land first; the notice must still arrive (a lost one never would)
    await noticeArrives(b!.url, messagesBefore);
  });

  it('then /admin/instances on A shows both instances at the same flag version', async () => {
    const [a, b] = cluster.instances;
    const res = await waitFor(
      'both instances at one flag version',
      () => requestJson(`${a!.url}/admin/instances`, { token: TEST_ADMIN_TOKEN }),
      (r) =>
        r.status === 200 &&
        r.body.instances.length === 2 &&
        new Set(r.body.instances.map((i: { flagVersion: number }) => i.flagVersion)).size === 1 &&
        r.body.instances[0].flagVersion > 0,
    );
    const ids = res.body.instances.map((i: { id: string }) => i.id).sort();
    expect(ids).toEqual([a!.instanceId, b!.instanceId].sort());
    for (const i of res.body.instances)
      expect(i).toMatchObject({ uptimeSeconds: expect.any(Number), connections: expect.any(Number) });
  });

  it('then an instance started later serves with the override already in force', async () => {
    const late = await cluster.add();
    // startServerProcess returned once /health/ready was 200: the first answer already has it
    expect(await featureOn(late.url, 'cache.ttlSeconds')).toBe(123);
    await late.stop();
    expect((await late.exited).code).toBe(0);
    cluster.instances.pop();
  });
});

describe('When Redis restarts', () => {
  it('then a change made while Redis is down still arrives by the poll', async () => {
    const [a, b] = cluster.instances;
    await redis.kill();
    // B's refreshes by trigger, counted before the write: a poll already running when the
    // write lands can read it, so counting after the write could miss the poll that brought it
    const refreshes = async () => ({
      poll: await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'poll' }),
      message: await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'message' }),
      reconnect: await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'reconnect' }),
    });
    const before = await refreshes();
    const set = await setFlag(a!.url, 'presence.redisReadPercent', 35);
    // the write is in Mongo; only the notice is lost
    expect(set.status).toBe(200);
    expect(await featureOn(a!.url, 'presence.redisReadPercent')).toBe(35);
    await waitFor(
      'B to poll it in',
      () => featureOn(b!.url, 'presence.redisReadPercent'),
      (v) => v === 35,
      10_000,
    );
    // only a poll can have brought it: no notice and no reconnect reached B meanwhile
    const after = await refreshes();
    expect(after.poll).toBeGreaterThan(before.poll);
    expect({ message: after.message, reconnect: after.reconnect }).toEqual({
      message: before.message,
      reconnect: before.reconnect,
    });
  });

  it('then after Redis is back the subscriber resumes and notices arrive within 1 s again', async () => {
    const [a, b] = cluster.instances;
    const reconnects = await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'reconnect' });
    await redis.restart();
    // B's subscriber reconnected (and re-read at once, in case it missed something)
    await waitFor(
      'B subscriber reconnect',
      () => scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'reconnect' }),
      (n) => n > reconnects,
    );
    // A's publishing client is back too once its breaker closed
    await waitFor(
      'A redis ok',
      () => requestJson(`${a!.url}/health`, { token: TEST_ADMIN_TOKEN }),
      (r) => r.body.checks.redis.status === 'ok',
    );
    const messagesBefore = await scrapeMetric(b!.url, 'flag_refreshes_total', { trigger: 'message' });
    expect((await setFlag(a!.url, 'presence.redisReadPercent', 45)).status).toBe(200);
    await waitFor(
      'B to apply after restart',
      () => featureOn(b!.url, 'presence.redisReadPercent'),
      (v) => v === 45,
      PROPAGATION_DEADLINE_MS,
      10,
    );
    await noticeArrives(b!.url, messagesBefore);
    for (const p of cluster.instances) expect(p.output()).not.toContain('unhandled rejection');
  });
});
