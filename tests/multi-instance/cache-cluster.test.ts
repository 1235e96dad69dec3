import { type Cluster, startCluster } from '../support/cluster';
import { type JsonResponse, requestJson } from '../support/http-json';
import { scrapeMetric } from '../support/scrape-metrics';
import type { ServerProcess } from '../support/server-process';

// Two real instances with the cache on, sharing Redis: a write on one is seen by the very next
// read on the other, because invalidation deletes the shared entry before the write answers.
let cluster: Cluster;
let a: ServerProcess;
let b: ServerProcess;
beforeAll(async () => {
  cluster = await startCluster(2, { USE_CACHE: 'true' });
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
});
afterAll(() => cluster?.stop());

interface User {
  id: string;
  username: string;
  token: string;
}

let n = 0;
async function register(on: ServerProcess): Promise<User> {
  n += 1;
  const name = `cc${n}_${Math.random().toString(36).slice(2, 8)}`;
  const res = await requestJson(`${on.url}/api/auth/register`, {
    body: { username: name, email: `${name}@example.test`, password: 'correct horse battery' },
  });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, username: name, token: res.body.token };
}

async function call(
  on: ServerProcess,
  user: User,
  path: string,
  opts: { method?: string; body?: unknown } = {},
): Promise<JsonResponse> {
  return requestJson(`${on.url}/api${path}`, { token: user.token, ...opts });
}

async function profileOn(on: ServerProcess, viewer: User, id: string) {
  const res = await call(on, viewer, `/users/${id}`);
  expect(res.status).toBe(200);
  return res.body.user;
}

async function feedIdsOn(on: ServerProcess, user: User): Promise<string[]> {
  const res = await call(on, user, '/feed');
  expect(res.status).toBe(200);
  return res.body.posts.map((p: { id: string }) => p.id);
}

const hits = (on: ServerProcess, cache: string) =>
  scrapeMetric(on.url, 'cache_requests_total', { cache, result: 'hit' });

describe('When a profile cached on B is edited on A', () => {
  it('then the next read on B shows the edit', async () => {
    const ann = await register(a);
    const viewer = await register(b);
    const before = await hits(b, 'profile');
    expect((await profileOn(b, viewer, ann.id)).name).toBe(ann.username);
    expect((await profileOn(b, viewer, ann.id)).name).toBe(ann.username);
    expect(await hits(b, 'profile')).toBeGreaterThan(before);

    const edit = await call(a, ann, '/users/me', { method: 'PATCH', body: { name: 'Edited On A' } });
    expect(edit.status).toBe(200);
    expect((await profileOn(b, viewer, ann.id)).name).toBe('Edited On A');
    expect((await profileOn(b, viewer, ann.username)).name).toBe('Edited On A');
  });
});

describe('When a follow on one instance changes profiles and a feed cached on the other', () => {
  it('then counters and the feed are right on the other at once, both ways', async () => {
    const fan = await register(a);
    const star = await register(b);
    const starPost = (await call(b, star, '/posts', { body: { text: 'hello from B' } })).body.post.id;
    for (let i = 0; i < 2; i++) {
      expect(await profileOn(b, fan, star.id)).toMatchObject({ followersCount: 0 });
      expect(await profileOn(b, star, fan.id)).toMatchObject({ followingCount: 0 });
      expect(await feedIdsOn(b, fan)).toEqual([]);
    }

    expect((await call(a, fan, `/users/${star.id}/follow`, { method: 'PUT' })).status).toBe(200);
    expect(await profileOn(b, fan, star.id)).toMatchObject({ followersCount: 1, isFollowing: true });
    expect(await profileOn(b, star, fan.id)).toMatchObject({ followingCount: 1 });
    expect(await feedIdsOn(b, fan)).toEqual([starPost]);
    // now cached on A too; undo it on B
    expect(await feedIdsOn(a, fan)).toEqual([starPost]);
    expect(await profileOn(a, fan, star.id)).toMatchObject({ followersCount: 1 });

    expect((await call(b, fan, `/users/${star.id}/follow`, { method: 'DELETE' })).status).toBe(200);
    expect(await profileOn(a, fan, star.id)).toMatchObject({ followersCount: 0, isFollowing: false });
    expect(await feedIdsOn(a, fan)).toEqual([]);
  });
});

describe("When a post is written and deleted on A while followers' feeds are cached on B", () => {
  it('then every follower sees it on B right after the write, and no longer right after the delete', async () => {
    const author = await register(a);
    const followers = await Promise.all([register(a), register(b), register(b)]);
    for (const f of followers)
      expect((await call(a, f, `/users/${author.id}/follow`, { method: 'PUT' })).status).toBe(200);
    const older = (await call(a, author, '/posts', { body: { text: 'older' } })).body.post.id;
    for (const f of followers) {
      expect(await feedIdsOn(b, f)).toEqual([older]);
      expect(await feedIdsOn(b, f)).toEqual([older]);
    }

    const fresh = (await call(a, author, '/posts', { body: { text: 'fresh' } })).body.post.id;
    for (const f of followers) expect(await feedIdsOn(b, f)).toEqual([fresh, older]);

    expect((await call(a, author, `/posts/${fresh}`, { method: 'DELETE' })).status).toBe(204);
    for (const f of followers) expect(await feedIdsOn(b, f)).toEqual([older]);
    expect(await scrapeMetric(b.url, 'cache_requests_total', { result: 'error' })).toBe(0);
  });
});
