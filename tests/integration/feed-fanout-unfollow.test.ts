import mongoose, { type Connection, Types } from 'mongoose';
import { FanoutWorker } from '../../backend/modules/posts/feed-fanout';
import { getPostModel } from '../../backend/modules/posts/post-model';
import { type FollowModel, getFollowModel } from '../../backend/modules/users/follow-model';
import { getUserModel } from '../../backend/modules/users/user-model';
import { MemoryFanoutJournal } from '../../backend/timelines/memory-fanout-journal';
import { MemoryTimelineStore } from '../../backend/timelines/memory-timeline-store';
import type { TimelineEntry } from '../../backend/timelines/timeline-store';
import { silentLogger } from '../support/presence-stores';
import { freshMongoUrl } from '../support/test-env';

let conn: Connection;
beforeAll(async () => {
  conn = await mongoose.createConnection(freshMongoUrl('fanoutunfollow')).asPromise();
});
afterAll(async () => {
  await conn.dropDatabase();
  await conn.close();
});

const edge = (follower: string, followee: string) => ({
  follower: new Types.ObjectId(follower),
  followee: new Types.ObjectId(followee),
});

/** the follow edge, as the follow route writes it before it tells the timelines */
const followInStore = (follows: FollowModel, follower: string, followee: string) =>
  follows.create({ ...edge(follower, followee), countersApplied: true });

describe('When an unfollow lands while a fan-out holds a follower list that still has the reader', () => {
  it("then the post stays out of the ex-follower's timeline without a rebuild, and a follow again lets the next post in", async () => {
    const follows = getFollowModel(conn);
    const reader = new Types.ObjectId().toHexString();
    const author = new Types.ObjectId().toHexString();
    let worker: FanoutWorker | undefined;
    let unfollowDuringFanout = true;
    // runs after the fan-out read the author's followers and before it writes their timelines
    const beforePush = async (readerIds: readonly string[]) => {
      if (!unfollowDuringFanout || !readerIds.includes(reader)) return;
      unfollowDuringFanout = false;
      await follows.deleteOne(edge(reader, author));
      await worker!.apply({ kind: 'unfollow', readerId: reader, authorId: author });
    };
    const store = new MemoryTimelineStore(50, { beforePush });
    worker = new FanoutWorker({
      store,
      journal: new MemoryFanoutJournal(),
      posts: getPostModel(conn),
      users: getUserModel(conn),
      follows,
      celebrityFollowers: 1000,
      logger: silentLogger,
    });
    await followInStore(follows, reader, author);
    await store.finishRebuild(reader, await store.startRebuild(reader), [], [], [author]);
    const post = (at: number): TimelineEntry => ({
      postId: new Types.ObjectId().toHexString(),
      authorId: author,
      at,
    });
    const ids = async () => (await store.window(reader, undefined, 10)).entries.map((e) => e.postId);

    const racing = post(1000);
    await worker.apply({ kind: 'post', ...racing });
    expect(unfollowDuringFanout).toBe(false);
    expect(await ids()).toEqual([]);

    await followInStore(follows, reader, author);
    await worker.apply({ kind: 'follow', readerId: reader, authorId: author });
    const next = post(2000);
    await worker.apply({ kind: 'post', ...next });
    expect(await ids()).toEqual([next.postId]);
  });
});
