import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Response } from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { sumSamples } from '../support/scrape-metrics';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, testRedisUrl } from '../support/test-env';

const prefix = () => `feed${randomBytes(3).toString('hex')}:`;

const post = async (t: TestApp, u: TestUser, text: string) => {
  const res = await t.http.post('/api/posts').set(u.auth).send({ text });
  expect(res.status).toBe(201);
  return res.body.post.id as string;
};

/** every page of the reader's feed, ids in order */
const feedIds = async (t: TestApp, u: TestUser, limit = 20) => {
  const ids: string[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const res: Response = await t.http.get('/api/feed').query({ limit, cursor }).set(u.auth);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['nextCursor', 'posts']);
    ids.push(...res.body.posts.map((p: { id: string }) => p.id));
    cursor = res.body.nextCursor;
  }
  return ids;
};

const reads = async (t: TestApp, source: string) =>
  sumSamples((await t.http.get('/metrics').set(ADMIN_AUTH)).text, 'feed_reads_total', { source });

/** the fan-out has applied everything journaled, and the reader's timeline is built */
const settle = async (t: TestApp, ...readers: TestUser[]) => {
  await t.services.feedTimelines!.settled();
  for (const r of readers) await t.services.feedTimelines!.rebuild(r.id);
};

describe('When feed.mode is timeline', () => {
  let t: TestApp;
  let reader: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    t = await createTestApp({ REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix(), FEED_MODE: 'timeline' });
    [reader, alice, bob] = [
      await registerUser(t.http),
      await registerUser(t.http),
      await registerUser(t.http),
    ];
    await t.http.put(`/api/users/${alice.id}/follow`).set(reader.auth).expect(200);
  });
  afterAll(() => t.close());

  it("then a follower's timeline gains each post by fan-out, the reader's own at once, newest first and paged", async () => {
    await settle(t, reader);
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      expected.push(await post(t, i % 3 === 0 ? reader : alice, `post ${i}`));
      await post(t, bob, `not followed ${i}`);
    }
    const own = await post(t, reader, 'mine, seen before any fan-out');
    expect((await feedIds(t, reader, 3))[0]).toBe(own);
    await t.services.feedTimelines!.settled();
    const before = await reads(t, 'timeline');
    expect(await feedIds(t, reader, 3)).toEqual([own, ...expected.reverse()]);
    expect(await reads(t, 'timeline')).toBeGreaterThan(before);
  });

  it("then a follow backfills the followee's earlier posts, and an unfollow and a deletion remove entries", async () => {
    const earlier = [await post(t, bob, 'bob 1'), await post(t, bob, 'bob 2')];
    await settle(t, reader);
    const start = await feedIds(t, reader);
    await t.http.put(`/api/users/${bob.id}/follow`).set(reader.auth).expect(200);
    const withBob = await feedIds(t, reader);
    for (const id of earlier) expect(withBob).toContain(id);
    await t.http.delete(`/api/posts/${earlier[1]}`).set(bob.auth).expect(204);
    await t.services.feedTimelines!.settled();
    expect(await feedIds(t, reader)).not.toContain(earlier[1]);
    await t.http.delete(`/api/users/${bob.id}/follow`).set(reader.auth).expect(200);
    expect(await feedIds(t, reader)).toEqual(start);
  });

  it("then a deleted account's timeline is gone and its posts leave the followers' feeds", async () => {
    const leaver = await registerUser(t.http);
    await t.http.put(`/api/users/${leaver.id}/follow`).set(reader.auth).expect(200);
    const gone = await post(t, leaver, 'soon gone');
    await t.services.feedTimelines!.settled();
    expect(await feedIds(t, reader)).toContain(gone);
    await t.http
      .delete('/api/auth/account')
      .set(leaver.auth)
      .send({ password: 'correct horse battery' })
      .expect(204);
    expect(await feedIds(t, reader)).not.toContain(gone);
  });
});

describe('When a timeline is shorter than the feed', () => {
  it('then paging past its end goes on with the read-time query, without gaps or repeats', async () => {
    const t = await createTestApp({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix(),
      FEED_MODE: 'timeline',
      FEED_TIMELINE_SIZE: '20',
    });
    try {
      const reader = await registerUser(t.http);
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) expected.push(await post(t, reader, `p${i}`));
      await settle(t, reader);
      const before = await reads(t, 'fallback');
      expect(await feedIds(t, reader, 7)).toEqual(expected.reverse());
      expect(await reads(t, 'fallback')).toBeGreaterThan(before);
      expect(await reads(t, 'timeline')).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});

describe('When feed.mode is dual', () => {
  it('then reads come from the query, and the shadow comparison counts matches and no mismatch', async () => {
    const t = await createTestApp({
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: prefix(),
      FEED_MODE: 'dual',
    });
    try {
      const [reader, alice] = [await registerUser(t.http), await registerUser(t.http)];
      await t.http.put(`/api/users/${alice.id}/follow`).set(reader.auth).expect(200);
      for (let i = 0; i < 5; i++) await post(t, i % 2 ? reader : alice, `d${i}`);
      await settle(t, reader);
      for (let i = 0; i < 3; i++) await feedIds(t, reader);
      const tally = async () => (await t.http.get('/admin/feed/consistency').set(ADMIN_AUTH)).body;
      for (let i = 0; i < 50 && (await tally()).compared < 3; i++) await new Promise((r) => setImmediate(r));
      expect(await tally()).toMatchObject({
        mode: 'dual',
        compared: 3,
        mismatches: 0,
        errors: 0,
        backlog: 0,
      });
      expect(await reads(t, 'timeline')).toBe(0);
      expect(await reads(t, 'query')).toBeGreaterThanOrEqual(3);
    } finally {
      await t.close();
    }
  });
});

describe('When Redis dies under timeline reads', () => {
  let redis: KillableRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startKillableRedis();
    t = await createTestApp({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix(), FEED_MODE: 'timeline' });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('then the feed answers from the query through the outage, and timelines are rebuilt with what they missed', async () => {
    const [reader, alice] = [await registerUser(t.http), await registerUser(t.http)];
    await t.http.put(`/api/users/${alice.id}/follow`).set(reader.auth).expect(200);
    const first = await post(t, alice, 'before the outage');
    await settle(t, reader);
    expect(await feedIds(t, reader)).toEqual([first]);

    await redis.kill();
    const during = await post(t, alice, 'during the outage');
    const fallbacks = await reads(t, 'fallback');
    expect(await feedIds(t, reader)).toEqual([during, first]);
    expect(await reads(t, 'fallback')).toBeGreaterThan(fallbacks);

    await redis.restart();
    // the missed fan-out made every timeline stale (the Redis came back empty here as well):
    // reads go on from the query until the reader's timeline is rebuilt, then from it
    const served = await reads(t, 'timeline');
    for (let i = 0; i < 200 && (await reads(t, 'timeline')) === served; i++) {
      expect(await feedIds(t, reader)).toEqual([during, first]);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await reads(t, 'timeline')).toBeGreaterThan(served);
    expect(await feedIds(t, reader)).toEqual([during, first]);
  });
});

/** an app with the cache on whose follower's cached first page exists, then feed.mode timeline */
async function cachedFollowerFeed(env: Record<string, string> = {}) {
  const keyPrefix = prefix();
  const t = await createTestApp({
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: keyPrefix,
    FEED_MODE: 'read',
    USE_CACHE: 'true',
    ...env,
  });
  const [author, follower] = [await registerUser(t.http), await registerUser(t.http)];
  await t.http.put(`/api/users/${author.id}/follow`).set(follower.auth).expect(200);
  await feedIds(t, follower);
  await t.services.flagAdmin.set('feed.mode', 'timeline', 'test');
  return { t, author, follower, followerKey: `${keyPrefix}cache:feed:v1:${follower.id}` };
}

describe('When posts fan out to timelines and the cache is on', () => {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  const apps: TestApp[] = [];
  afterAll(async () => {
    redis.disconnect();
    await Promise.all(apps.map((a) => a.close()));
  });

  it("then a post's ack does not walk the followers: the fan-out drops their cached feeds as it reaches them", async () => {
    const { t, author, follower, followerKey } = await cachedFollowerFeed();
    apps.push(t);
    expect(await redis.exists(followerKey)).toBe(1);
    const users = t.services.users;
    const walk = users.followerIdBatches.bind(users);
    let walksOnRequestPath = 0;
    users.followerIdBatches = (id, size) => {
      walksOnRequestPath += 1;
      return walk(id, size);
    };
    try {
      const id = await post(t, author, 'reaches the follower through the fan-out');
      expect(walksOnRequestPath).toBe(0);
      await t.services.feedTimelines!.settled();
      expect(await redis.exists(followerKey)).toBe(0);
      expect((await feedIds(t, follower))[0]).toBe(id);
    } finally {
      users.followerIdBatches = walk;
    }
  });

  it("then an author whose posts are merged at read time still has followers' cached feeds dropped", async () => {
    const { t, author, follower, followerKey } = await cachedFollowerFeed({ FEED_CELEBRITY_FOLLOWERS: '1' });
    apps.push(t);
    // a second follower puts the author over the threshold of one
    const other = await registerUser(t.http);
    await t.http.put(`/api/users/${author.id}/follow`).set(other.auth).expect(200);
    expect(await redis.exists(followerKey)).toBe(1);
    const id = await post(t, author, 'merged at read time');
    await t.services.feedTimelines!.settled();
    expect(await redis.exists(followerKey)).toBe(0);
    expect((await feedIds(t, follower))[0]).toBe(id);
  });
});
