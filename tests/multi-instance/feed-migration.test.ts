import { inRollout } from '../../backend/flags/rollout-bucket';
import { main as feedBackfill } from '../../scripts/feed-backfill';
import { main as verifyFeed } from '../../scripts/verify-feed';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { type ClusterUser, metricFrom, registerOn, setFlag } from '../support/presence-cluster';
import type { ServerProcess } from '../support/server-process';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let cluster: Cluster;
let a: ServerProcess;
let b: ServerProcess;
let readers: ClusterUser[];
let authors: ClusterUser[];
/** who follows whom, as the test made it: the expected feed is computed from it */
const following = new Map<string, Set<string>>();
/** every post, newest last */
const posts: Array<{ id: string; author: string }> = [];

const on = (i: number) => (i % 2 === 0 ? a : b);

async function post(i: number, u: ClusterUser, text: string): Promise<void> {
  const res = await requestJson(`${on(i).url}/api/posts`, { token: u.token, body: { text } });
  expect(res.status).toBe(201);
  posts.push({ id: res.body.post.id, author: u.id });
}

async function follow(i: number, reader: ClusterUser, author: ClusterUser, yes: boolean): Promise<void> {
  const res = await requestJson(`${on(i).url}/api/users/${author.id}/follow`, {
    method: yes ? 'PUT' : 'DELETE',
    token: reader.token,
  });
  expect(res.status).toBe(200);
  const set = following.get(reader.id) ?? new Set<string>();
  if (yes) set.add(author.id);
  else set.delete(author.id);
  following.set(reader.id, set);
}

/** the feed contract: posts by followed users and self, newest first */
const expectedFeed = (reader: ClusterUser) => {
  const authorsSeen = new Set([...(following.get(reader.id) ?? []), reader.id]);
  return posts
    .filter((p) => authorsSeen.has(p.author))
    .map((p) => p.id)
    .reverse();
};

/** every page of the feed from one instance */
async function feed(instance: ServerProcess, reader: ClusterUser, limit = 4): Promise<string[]> {
  const ids: string[] = [];
  let cursor = '';
  for (;;) {
    const res = await requestJson(`${instance.url}/api/feed?limit=${limit}&cursor=${cursor}`, {
      token: reader.token,
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['nextCursor', 'posts']);
    ids.push(...res.body.posts.map((p: { id: string }) => p.id));
    if (res.body.nextCursor === null) return ids;
    cursor = res.body.nextCursor;
  }
}

async function firstPage(instance: ServerProcess, reader: ClusterUser): Promise<void> {
  const res = await requestJson(`${instance.url}/api/feed?limit=20`, { token: reader.token });
  expect(res.status).toBe(200);
}

const consistency = async (instance: ServerProcess) =>
  (await requestJson(`${instance.url}/admin/feed/consistency`, { token: TEST_ADMIN_TOKEN })).body;

/** the fan-out journal is empty: every post so far is in its followers' timelines */
const fannedOut = () =>
  waitFor('the fan-out journal empty', async () => (await consistency(a)).backlog === 0 || undefined, 15_000);

async function everyFeedIsRight(): Promise<void> {
  for (const [i, r] of readers.entries())
    expect([r.id, await feed(on(i), r)]).toEqual([r.id, expectedFeed(r)]);
}

async function backfill(): Promise<void> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    MONGO_URL: cluster.mongoUrl,
    REDIS_URL: cluster.redisUrl,
    REDIS_KEY_PREFIX: cluster.env.REDIS_KEY_PREFIX,
  });
  try {
    expect(await feedBackfill([])).toBe(0);
  } finally {
    process.env = saved;
  }
}

const timelineReads = async () =>
  (await metricFrom(a, 'feed_reads_total', { source: 'timeline' })) +
  (await metricFrom(b, 'feed_reads_total', { source: 'timeline' }));

/** a mixed load: posts from both instances, follows and unfollows */
async function mixedLoad(round: number): Promise<void> {
  for (let k = 0; k < 6; k++) {
    const i = round * 6 + k;
    await post(i, authors[i % authors.length]!, `r${round} a${k}`);
    await post(i + 1, readers[i % readers.length]!, `r${round} own${k}`);
    const reader = readers[(i * 7) % readers.length]!;
    const author = authors[(i * 5) % authors.length]!;
    await follow(i, reader, author, !following.get(reader.id)?.has(author.id));
  }
}

beforeAll(async () => {
  cluster = await startCluster(2, { FEED_MODE: 'read', FEED_TIMELINE_READ_PERCENT: '0' });
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
  readers = [];
  authors = [];
  for (let i = 0; i < 6; i++) readers.push(await registerOn(on(i), 'reader'));
  for (let i = 0; i < 4; i++) authors.push(await registerOn(on(i), 'author'));
  for (const [i, r] of readers.entries())
    for (const [j, au] of authors.entries()) if ((i + j) % 2 === 0) await follow(i + j, r, au, true);
  for (let i = 0; i < 8; i++) await post(i, authors[i % 4]!, `before ${i}`);
}, 90_000);
afterAll(() => cluster?.stop());

describe('When the feed migrates to timelines across instances', () => {
  it('then in read mode feeds come from the query and no timeline is written', async () => {
    await everyFeedIsRight();
    expect(await timelineReads()).toBe(0);
    expect((await consistency(a)).mode).toBe('read');
  });

  it('then in dual, after the backfill, shadow comparisons under posts, follows and unfollows show no mismatch', async () => {
    await setFlag(cluster, 'feed.mode', 'dual');
    await backfill();
    for (let round = 0; round < 3; round++) {
      await mixedLoad(round);
      await fannedOut();
      await everyFeedIsRight();
    }
    // each reader's first page from both instances: compared off the request path
    for (const r of readers) for (const instance of [a, b]) await feed(instance, r, 20);
    await waitFor(
      'a shadow comparison of every first page',
      async () => (await consistency(a)).compared + (await consistency(b)).compared >= readers.length * 2,
    );
    const lines: string[] = [];
    expect(await verifyFeed(['--token', TEST_ADMIN_TOKEN, a.url, b.url], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/feed shadow consistency across 2 instance\(s\): 100 % \(0 mismatches/);
    expect((await consistency(a)).mismatches + (await consistency(b)).mismatches).toBe(0);
    expect(await timelineReads()).toBe(0);
  });

  it('then at 50 % exactly the readers in the rollout read timelines, and in timeline mode all do, with the same feeds', async () => {
    await setFlag(cluster, 'feed.timelineReadPercent', 50);
    await mixedLoad(3);
    await fannedOut();
    await everyFeedIsRight();
    // one first page per reader: a timeline read exactly when the reader's stable bucket is in
    for (const [i, r] of readers.entries()) {
      const before = await timelineReads();
      await firstPage(on(i), r);
      const expected = inRollout('feed.timelineReadPercent', r.id, 50) ? 1 : 0;
      expect([r.id, (await timelineReads()) - before]).toEqual([r.id, expected]);
    }

    await setFlag(cluster, 'feed.mode', 'timeline');
    await mixedLoad(4);
    await fannedOut();
    await everyFeedIsRight();
    for (const [i, r] of readers.entries()) {
      const before = await timelineReads();
      await firstPage(on(i), r);
      expect([r.id, (await timelineReads()) - before]).toEqual([r.id, 1]);
    }
  });

  it('then a rollback to read loses nothing, and coming back rebuilds timelines with what happened meanwhile', async () => {
    await setFlag(cluster, 'feed.mode', 'read');
    await mixedLoad(5);
    const before = await timelineReads();
    await everyFeedIsRight();
    expect(await timelineReads()).toBe(before);

    await setFlag(cluster, 'feed.mode', 'timeline');
    await mixedLoad(6);
    await fannedOut();
    // stale timelines answer nothing: each read falls back and rebuilds, then reads come from them
    await everyFeedIsRight();
    await waitFor(
      'feeds read from rebuilt timelines',
      async () => {
        await everyFeedIsRight();
        return (await timelineReads()) > before + readers.length;
      },
      15_000,
    );
  });
});
