import type { RedisClient } from '../../backend/infra/redis';
import { closeRedis } from '../../backend/infra/redis';
import { registerUser, type TestUser } from '../support/api-users';
import { failFastClient } from '../support/presence-stores';
import { sumSamples } from '../support/scrape-metrics';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// One instance with the cache on: every write that changes a cached profile or feed is seen by
// the next read (read-your-writes), while the reads in between are served from the cache.
let t: TestApp;
// the test's own client, to look at what the cache left in Redis
let redis: RedisClient;
beforeAll(async () => {
  redis = await failFastClient(testRedisUrl());
  t = await createTestApp({
    USE_CACHE: 'true',
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `cc${Date.now().toString(36)}:`,
  });
});
afterAll(async () => {
  await closeRedis(redis);
  await t.close();
});

const lookups = async (cache: string, result: string) =>
  sumSamples((await t.http.get('/metrics').set(ADMIN_AUTH)).text, 'cache_requests_total', { cache, result });

const profile = async (viewer: TestUser, idOrName: string) => {
  const res = await t.http.get(`/api/users/${idOrName}`).set(viewer.auth);
  expect(res.status).toBe(200);
  return res.body.user;
};

const feed = async (u: TestUser, query: Record<string, string | number> = {}) => {
  const res = await t.http.get('/api/feed').query(query).set(u.auth);
  expect(res.status).toBe(200);
  return res.body as {
    posts: Array<{
      id: string;
      text: string;
      likesCount: number;
      likedByMe: boolean;
      author: { name: string };
    }>;
    nextCursor: string | null;
  };
};

const post = async (u: TestUser, text: string): Promise<string> => {
  const res = await t.http.post('/api/posts').set(u.auth).send({ text });
  expect(res.status).toBe(201);
  return res.body.post.id;
};

describe('When a cached profile is edited', () => {
  it('then the next read by id or username shows the edit, and reads in between were hits', async () => {
    const ann = await registerUser(t.http);
    const viewer = await registerUser(t.http);
    const hitsBefore = await lookups('profile', 'hit');
    expect((await profile(viewer, ann.id)).name).toBe(ann.username);
    expect((await profile(viewer, ann.username)).name).toBe(ann.username);
    expect(await lookups('profile', 'hit')).toBeGreaterThan(hitsBefore);

    await t.http
      .patch('/api/users/me')
      .set(ann.auth)
      .send({ name: 'Ann Edited', bio: 'new bio' })
      .expect(200);
    expect(await profile(viewer, ann.id)).toMatchObject({ name: 'Ann Edited', bio: 'new bio' });
    expect(await profile(viewer, ann.username.toUpperCase())).toMatchObject({ name: 'Ann Edited' });
  });
});

describe('When users follow and unfollow', () => {
  it("then both cached profiles' counters, isFollowing and the follower's cached feed follow along", async () => {
    const fan = await registerUser(t.http);
    const star = await registerUser(t.http);
    const starPost = await post(star, 'from the star');
    // fill every cache entry involved
    expect(await profile(fan, star.id)).toMatchObject({ followersCount: 0, isFollowing: false });
    expect(await profile(star, fan.id)).toMatchObject({ followingCount: 0 });
    expect((await feed(fan)).posts).toEqual([]);
    expect((await feed(fan)).posts).toEqual([]);

    await t.http.put(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
    expect(await profile(fan, star.id)).toMatchObject({ followersCount: 1, isFollowing: true });
    expect(await profile(star, fan.id)).toMatchObject({ followingCount: 1, isFollowing: false });
    expect((await feed(fan)).posts.map((p) => p.id)).toEqual([starPost]);

    await t.http.delete(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
    expect(await profile(fan, star.id)).toMatchObject({ followersCount: 0, isFollowing: false });
    expect(await profile(star, fan.id)).toMatchObject({ followingCount: 0 });
    expect((await feed(fan)).posts).toEqual([]);
  });
});

describe('When posts are written and deleted', () => {
  it("then the author's and every follower's cached first page show them at once", async () => {
    const author = await registerUser(t.http);
    const followers = await Promise.all([1, 2, 3].map(() => registerUser(t.http)));
    for (const f of followers) await t.http.put(`/api/users/${author.id}/follow`).set(f.auth).expect(200);
    const first = await post(author, 'first');
    for (const u of [author, ...followers]) {
      expect((await feed(u)).posts.map((p) => p.id)).toEqual([first]);
      expect((await feed(u)).posts.map((p) => p.id)).toEqual([first]);
    }

    const second = await post(author, 'second');
    for (const u of [author, ...followers])
      expect((await feed(u)).posts.map((p) => p.id)).toEqual([second, first]);

    await t.http.delete(`/api/posts/${second}`).set(author.auth).expect(204);
    // deleted from Redis, not merely healed on the next read
    for (const u of [author, ...followers])
      expect(await redis.get(`${t.services.config.redisKeyPrefix}cache:feed:v1:${u.id}`)).toBeNull();
    for (const u of [author, ...followers]) expect((await feed(u)).posts.map((p) => p.id)).toEqual([first]);
  });

  it('then likes, replies and author names on a cached first page are always current', async () => {
    const author = await registerUser(t.http);
    const reader = await registerUser(t.http);
    await t.http.put(`/api/users/${author.id}/follow`).set(reader.auth).expect(200);
    const id = await post(author, 'count me');
    expect((await feed(reader)).posts[0]).toMatchObject({ likesCount: 0, likedByMe: false });
    const hitsBefore = await lookups('feed', 'hit');

    await t.http.put(`/api/posts/${id}/like`).set(reader.auth).expect(200);
    await t.http.post(`/api/posts/${id}/replies`).set(reader.auth).send({ text: 'hi' }).expect(201);
    await t.http.patch('/api/users/me').set(author.auth).send({ name: 'Renamed' }).expect(200);
    expect((await feed(reader)).posts[0]).toMatchObject({
      id,
      likesCount: 1,
      repliesCount: 1,
      likedByMe: true,
      author: { name: 'Renamed' },
    });
    // served from the window cached before the like: the counters came from the posts themselves
    expect(await lookups('feed', 'hit')).toBeGreaterThan(hitsBefore);
  });
});

describe('When the first page is served from the cached window', () => {
  it('then every limit is cut from it and paging on from its cursor has no gap or repeat', async () => {
    const writer = await registerUser(t.http);
    const ids: string[] = [];
    for (let i = 0; i < 104; i++) ids.push(await post(writer, `post ${i}`));
    const newestFirst = [...ids].reverse();
    // each post deletes the writer's window again a second later (see redeleteAfterMs): let
    // those run out so the entry filled below stays
    await waitFor(
      'second deletes to settle',
      () => t.services.cache.redeletesScheduled,
      (n) => n === 0,
    );

    const full = await feed(writer, { limit: 100 });
    expect(full.posts.map((p) => p.id)).toEqual(newestFirst.slice(0, 100));
    expect(full.nextCursor).not.toBeNull();
    const rest = await feed(writer, { limit: 100, cursor: full.nextCursor! });
    expect(rest.posts.map((p) => p.id)).toEqual(newestFirst.slice(100));
    expect(rest.nextCursor).toBeNull();

    const hitsBefore = await lookups('feed', 'hit');
    const small = await feed(writer, { limit: 3 });
    expect(small.posts.map((p) => p.id)).toEqual(newestFirst.slice(0, 3));
    const next = await feed(writer, { limit: 3, cursor: small.nextCursor! });
    expect(next.posts.map((p) => p.id)).toEqual(newestFirst.slice(3, 6));
    expect(await lookups('feed', 'hit')).toBe(hitsBefore + 1);
  });

  it('then a short feed ends with a null cursor', async () => {
    const loner = await registerUser(t.http);
    const only = await post(loner, 'alone');
    for (let i = 0; i < 2; i++) {
      const page = await feed(loner, { limit: 5 });
      expect(page.posts.map((p) => p.id)).toEqual([only]);
      expect(page.nextCursor).toBeNull();
    }
  });
});

describe('When the cache is turned off live', () => {
  it('then reads go to the database and writes made meanwhile are seen after it is back on', async () => {
    const u = await registerUser(t.http);
    const viewer = await registerUser(t.http);
    expect((await profile(viewer, u.id)).bio).toBe('');
    const admin = t.services.flagAdmin;
    await admin.set('cache.enabled', false, 'test');
    try {
      expect(t.services.cache.enabled()).toBe(false);
      await t.http.patch('/api/users/me').set(u.auth).send({ bio: 'written while off' }).expect(200);
      expect((await profile(viewer, u.id)).bio).toBe('written while off');
    } finally {
      await admin.reset('cache.enabled', 'test');
    }
    expect(t.services.cache.enabled()).toBe(true);
    expect((await profile(viewer, u.id)).bio).toBe('written while off');
  });
});
