import { registerUser, type TestUser } from '../support/api-users';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { sumSamples } from '../support/scrape-metrics';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// Fail-open: with the cache on and its Redis killed, profiles and feeds answer from the
// database (and stay right through writes), lookups count as errors, and once Redis is back on
// the same port the cache serves hits again.
let redis: KillableRedis;
let t: TestApp;
let owner: TestUser;
let viewer: TestUser;
beforeAll(async () => {
  redis = await startKillableRedis();
  t = await createTestApp({ USE_CACHE: 'true', REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'down:' });
  owner = await registerUser(t.http);
  viewer = await registerUser(t.http);
  await t.http.put(`/api/users/${owner.id}/follow`).set(viewer.auth).expect(200);
});
afterAll(async () => {
  await t?.close();
  await redis?.stop();
});

const lookups = async (result: string, cache?: string) =>
  sumSamples((await t.http.get('/metrics').set(ADMIN_AUTH)).text, 'cache_requests_total', {
    result,
    ...(cache ? { cache } : {}),
  });

const profile = async () => {
  const res = await t.http.get(`/api/users/${owner.id}`).set(viewer.auth);
  expect(res.status).toBe(200);
  return res.body.user as { name: string; followersCount: number; isFollowing: boolean };
};

const feedTexts = async () => {
  const res = await t.http.get('/api/feed').set(viewer.auth);
  expect(res.status).toBe(200);
  return res.body.posts.map((p: { text: string }) => p.text) as string[];
};

describe('When Redis dies under the cache', () => {
  it('then profile and feed still answer 200 from the database, right through writes, counted as errors', async () => {
    await t.http.post('/api/posts').set(owner.auth).send({ text: 'before the outage' }).expect(201);
    for (let i = 0; i < 2; i++) {
      expect(await profile()).toMatchObject({ followersCount: 1, isFollowing: true });
      expect(await feedTexts()).toEqual(['before the outage']);
    }
    expect(await lookups('hit')).toBeGreaterThan(0);
    expect(await lookups('error')).toBe(0);

    await redis.kill();
    expect(await profile()).toMatchObject({ name: owner.username, followersCount: 1 });
    expect(await feedTexts()).toEqual(['before the outage']);

    await t.http.patch('/api/users/me').set(owner.auth).send({ name: 'Written During Outage' }).expect(200);
    await t.http.post('/api/posts').set(owner.auth).send({ text: 'during the outage' }).expect(201);
    expect((await profile()).name).toBe('Written During Outage');
    expect(await feedTexts()).toEqual(['during the outage', 'before the outage']);

    expect(await lookups('error', 'profile')).toBeGreaterThanOrEqual(2);
    expect(await lookups('error', 'feed')).toBeGreaterThanOrEqual(2);
    const metrics = (await t.http.get('/metrics').set(ADMIN_AUTH)).text;
    expect(metrics).toMatch(/cache_requests_total\{cache="profile",result="error"\} [1-9]/);
  });

  it('then after Redis is back, hits resume and answers are still current', async () => {
    await redis.restart();
    await waitFor(
      'redis check ok',
      () => t.http.get('/health').set(ADMIN_AUTH),
      (res) => res.status === 200,
    );
    const profileHits = await lookups('hit', 'profile');
    const feedHits = await lookups('hit', 'feed');
    // writes made during the outage queued their invalidations; reads bypass the cache until
    // those are retried, so poll rather than expect the very next read to hit
    await waitFor(
      'profile and feed hits',
      async () => {
        expect((await profile()).name).toBe('Written During Outage');
        expect(await feedTexts()).toEqual(['during the outage', 'before the outage']);
        return [await lookups('hit', 'profile'), await lookups('hit', 'feed')];
      },
      ([p, f]) => p! > profileHits && f! > feedHits,
    );
    expect(t.services.cache.pendingInvalidations).toBe(0);
  });
});
