import type { Types } from 'mongoose';
import type { Logger } from '../../infra/logger';
import type { FanoutJob, FanoutJournal, JournaledJob } from '../../timelines/fanout-journal';
import type { TimelineEntry, TimelineStore } from '../../timelines/timeline-store';
import type { FollowModel } from '../users/follow-model';
import type { UserModel } from '../users/user-model';
import { followersOfQuery } from '../users/user-queries';
import type { PostModel } from './post-model';
import { authorPostsQuery } from './post-queries';

/** readers written per store call: one round trip carries this many timeline writes */
const READER_BATCH = 1000;
/** journal entries taken per round */
const JOB_BATCH = 50;
const IDLE_POLL_MS = 250;
/** while nothing is journaled (feed.mode read), a look now and then for what is left */
const QUIET_POLL_MS = 2000;

export interface FanoutObserver {
  job(kind: FanoutJob['kind'], readers: number): void;
  /** a post reached its last follower's timeline, this long after it was written */
  delivered(delayMs: number): void;
}

/**
 * Told of the followers a post or a deletion reached, a batch at a time, from the same pass
 * over the followers index the fan-out makes anyway. `wanted()` false: nobody needs them, so an
 * author whose posts are not fanned out (a celebrity) is not walked for it.
 */
export interface FollowersReached {
  wanted(): boolean;
  reached(readerIds: string[]): Promise<void>;
}

/**
 * Applies the fan-out journal to timelines, off the request path: takes jobs in batches (a
 * batch waits only while another is being applied, so an idle worker adds no delay), and for a
 * post walks the author's followers once, writing a thousand timelines per round trip. An
 * author above the celebrity threshold is not fanned out: the first such post moves the author
 * into every follower's celebrity set, and posts go to the author's own list, merged at read.
 * Jobs are acked after they are applied; a worker that dies leaves them to another.
 */
export class FanoutWorker {
  private stopped = true;
  private loop: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private failures = 0;

  constructor(
    private readonly deps: {
      store: TimelineStore;
      journal: FanoutJournal;
      posts: PostModel;
      users: UserModel;
      follows: FollowModel;
      celebrityFollowers: number;
      logger: Logger;
      observer?: FanoutObserver;
      /** whether writes journal jobs now; when not, the journal is polled rarely */
      active?: () => boolean;
      /** told each batch of followers a post or deletion reached (their cached feeds drop) */
      followers?: FollowersReached;
    },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
  }

  /** a job was appended here: take it now rather than at the next poll */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let jobs: JournaledJob[] = [];
      try {
        jobs = await this.deps.journal.take(JOB_BATCH);
        if (jobs.length > 0) {
          for (const j of jobs) await this.apply(j.job);
          await this.deps.journal.ack(jobs.map((j) => j.id));
        }
        this.failures = 0;
      } catch (err) {
        // Redis or the store is away: the jobs stay journaled and are retried (here, or by
        // another worker once they have waited the reclaim time)
        if (this.failures === 0)
          this.deps.logger.warn({ err: (err as Error).message }, 'feed fan-out failed');
        this.failures += 1;
        jobs = [];
      }
      if (jobs.length === 0 && !this.stopped)
        await this.idle(
          this.failures > 0
            ? Math.min(250 * 2 ** this.failures, 5000)
            : (this.deps.active?.() ?? true)
              ? IDLE_POLL_MS
              : QUIET_POLL_MS,
        );
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  async apply(job: FanoutJob): Promise<void> {
    const { store } = this.deps;
    switch (job.kind) {
      case 'post': {
        const entry = { postId: job.postId, authorId: job.authorId, at: job.at };
        await store.push([job.authorId], entry);
        let readers = 1;
        if (await this.isCelebrity(job.authorId)) {
          await store.pushAuthor(entry);
          await this.reachFollowers(job.authorId);
        } else
          for await (const batch of this.followerBatches(job.authorId)) {
            await store.push(batch, entry);
            await this.deps.followers?.reached(batch);
            readers += batch.length;
          }
        this.deps.observer?.job('post', readers);
        this.deps.observer?.delivered(Date.now() - job.at);
        return;
      }
      case 'delete': {
        const entry = { postId: job.postId, authorId: job.authorId, at: job.at };
        await store.remove([job.authorId], [entry]);
        await store.removeAuthorEntries([entry]);
        let readers = 1;
        for await (const batch of this.followerBatches(job.authorId)) {
          await store.remove(batch, [entry]);
          await this.deps.followers?.reached(batch);
          readers += batch.length;
        }
        this.deps.observer?.job('delete', readers);
        return;
      }
      case 'follow': {
        await store.admitAuthor(job.readerId, job.authorId);
        if ((await store.celebrities()).includes(job.authorId))
          await store.setCelebrityFollow(job.readerId, job.authorId, true);
        else await store.add(job.readerId, await this.recentPosts(job.authorId));
        this.deps.observer?.job('follow', 1);
        return;
      }
      case 'unfollow': {
        await store.setCelebrityFollow(job.readerId, job.authorId, false);
        await store.removeAuthor(job.readerId, job.authorId);
        this.deps.observer?.job('unfollow', 1);
        return;
      }
    }
  }

  /** The author's newest posts, as many as a timeline keeps. */
  async recentPosts(authorId: string): Promise<TimelineEntry[]> {
    const rows = await authorPostsQuery(this.deps.posts, authorId, {
      limit: this.deps.store.size - 1,
    }).lean();
    return rows.map((r) => ({ postId: r._id.toHexString(), authorId, at: r.createdAt.getTime() }));
  }

  /**
   * Celebrity once the author has more followers than the threshold; the first time, every
   * follower's celebrity set gains the author before any post skips their timelines.
   */
  private async isCelebrity(authorId: string): Promise<boolean> {
    const { store } = this.deps;
    if ((await store.celebrities()).includes(authorId)) return true;
    const doc = await this.deps.users.findById(authorId, { followersCount: 1 }).lean();
    if ((doc?.followersCount ?? 0) <= this.deps.celebrityFollowers) return false;
    for await (const batch of this.followerBatches(authorId))
      await Promise.all(batch.map((r) => store.setCelebrityFollow(r, authorId, true)));
    await store.markCelebrity(authorId);
    return true;
  }

  /** a celebrity's followers, walked only when someone wants to know they were reached */
  private async reachFollowers(authorId: string): Promise<void> {
    const followers = this.deps.followers;
    if (!followers?.wanted()) return;
    for await (const batch of this.followerBatches(authorId)) await followers.reached(batch);
  }

  /** Followers a batch at a time from one cursor: one pass over the index, not one per page. */
  private async *followerBatches(authorId: string): AsyncGenerator<string[]> {
    let batch: string[] = [];
    const cursor = followersOfQuery(this.deps.follows, authorId).lean().cursor({ batchSize: READER_BATCH });
    for await (const row of cursor) {
      batch.push((row.follower as Types.ObjectId).toHexString());
      if (batch.length === READER_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
