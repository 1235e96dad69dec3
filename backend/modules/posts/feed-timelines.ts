import { Types } from 'mongoose';
import { Counter, Histogram } from 'prom-client';
import type { FlagReader } from '../../flags/flag-reader';
import { inRollout } from '../../flags/rollout-bucket';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import { decodeCursor, type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { FollowEdges } from '../../ports/follow-edges';
import type { ShadowTally } from '../../presence/shadow-tally';
import type { FanoutJob, FanoutJournal } from '../../timelines/fanout-journal';
import type { TimelineEntry, TimelineStore } from '../../timelines/timeline-store';
import type { FollowModel } from '../users/follow-model';
import type { UserModel } from '../users/user-model';
import { followingIdsQuery } from '../users/user-queries';
import { FanoutWorker, type FollowersReached } from './feed-fanout';
import type { PostDoc, PostModel } from './post-model';
import { feedQuery, postsInOrder } from './post-queries';

const REPAIR_RETRY_MS = 1000;

/** The first page of the read-time query, as post ids: what a shadow comparison checks against. */
export type QueryFirstPage = (userId: string, limit: number) => Promise<string[]>;

/**
 * The feed's timelines and their live migration, by flag feed.mode: `read` serves the read-time
 * query and writes no timelines; `dual` writes them (through the fan-out journal) and serves
 * the query, except to the share of users feed.timelineReadPercent picks, and compares the
 * query's first page with the timeline's off the request path; `timeline` serves timelines.
 * Every timeline read that cannot answer (Redis away, timeline not built yet, past its end)
 * falls back to the query, so rollback to `read` at any moment loses nothing: the posts are
 * the truth. A write that could not be journaled, and every return from `read`, makes all
 * timelines stale; each is rebuilt on its reader's next read.
 */
export class FeedTimelines implements FollowEdges {
  readonly worker: FanoutWorker;
  private readonly rebuilding = new Map<string, Promise<void>>();
  private followersListener: FollowersReached | undefined;
  private repairTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly reads: Counter<'source'>;
  private readonly shadowReads: Counter<'result'>;
  private readonly delay: Histogram;

  constructor(
    private readonly deps: {
      store: TimelineStore;
      journal: FanoutJournal;
      flags: Pick<FlagReader, 'get' | 'onChange'>;
      posts: PostModel;
      users: UserModel;
      follows: FollowModel;
      tally: ShadowTally;
      logger: Logger;
      metrics: Metrics;
      celebrityFollowers: number;
      /** how long a shadow mismatch waits to be checked again (a fan-out still on its way) */
      settleMs?: number;
    },
  ) {
    const registers = [deps.metrics.registry];
    this.reads = new Counter({
      name: 'feed_reads_total',
      help: 'Feed pages by what answered: timeline, query, or query after a timeline could not',
      labelNames: ['source'] as const,
      registers,
    });
    this.shadowReads = new Counter({
      name: 'feed_shadow_reads_total',
      help: "Shadow comparisons of the query's first page with the timeline's",
      labelNames: ['result'] as const,
      registers,
    });
    this.delay = new Histogram({
      name: 'feed_fanout_delay_seconds',
      help: 'From a post written to its id in the last follower timeline',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    const jobs = new Counter({
      name: 'feed_fanout_jobs_total',
      help: 'Fan-out jobs applied, by kind',
      labelNames: ['kind'] as const,
      registers,
    });
    this.worker = new FanoutWorker({
      ...deps,
      active: () => this.writing,
      followers: {
        wanted: () => this.followersListener?.wanted() ?? false,
        reached: async (ids) => {
          if (this.followersListener?.wanted()) await this.followersListener.reached(ids);
        },
      },
      observer: {
        job: (kind) => jobs.inc({ kind }),
        delivered: (ms) => this.delay.observe(ms / 1000),
      },
    });
  }

  /** this instance's shadow-comparison tally */
  get tally(): Pick<ShadowTally, 'snapshot'> {
    return this.deps.tally;
  }

  /** starts the fan-out worker and follows feed.mode */
  start(): void {
    this.worker.start();
    this.unsubscribe ??= this.deps.flags.onChange((name, value, previous) => {
      if (name !== 'feed.mode') return;
      this.deps.logger.info({ from: previous, to: value }, 'feed.mode changed');
      // timelines were not written while in `read`: every one is stale now
      if (previous === 'read') this.repair();
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.repairTimer) clearTimeout(this.repairTimer);
    await this.worker.stop();
    await Promise.allSettled(this.rebuilding.values());
  }

  private get writing(): boolean {
    return this.deps.flags.get('feed.mode') !== 'read';
  }

  /** whether this reader's feed comes from the timeline */
  readsTimeline(userId: string): boolean {
    const mode = this.deps.flags.get('feed.mode');
    if (mode === 'timeline') return true;
    return (
      mode === 'dual' &&
      inRollout('feed.timelineReadPercent', userId, this.deps.flags.get('feed.timelineReadPercent'))
    );
  }

  /** whether a query-served first page of this reader's is compared with the timeline */
  shadows(userId: string): boolean {
    return this.deps.flags.get('feed.mode') === 'dual' && !this.readsTimeline(userId);
  }

  /**
   * Before the post's ack: the author's own timeline gains it (the author sees it at once) and
   * the fan-out to followers is journaled; both cost the same whatever the follower count.
   * Resolves true when the fan-out is journaled, so it will reach every follower (and tell
   * `onFollowersReached` listeners); false in `read` or when the journal could not take it.
   */
  posted(post: Pick<PostDoc, '_id' | 'postedBy' | 'createdAt'>): Promise<boolean> {
    const entry = this.entryOf(post);
    return this.write('post', async () => {
      await this.deps.store.push([entry.authorId], entry);
      await this.journal({ kind: 'post', ...entry });
    });
  }

  deleted(post: Pick<PostDoc, '_id' | 'postedBy' | 'createdAt'>): Promise<boolean> {
    const entry = this.entryOf(post);
    return this.write('delete', async () => {
      await this.deps.store.remove([entry.authorId], [entry]);
      await this.journal({ kind: 'delete', ...entry });
    });
  }

  /** batches of followers each journaled post or deletion reached, from the fan-out's own walk */
  onFollowersReached(listener: FollowersReached): void {
    this.followersListener = listener;
  }

  /** one reader's timeline: applied before the follow's answer, so the next read has the posts */
  async followed(followerId: string, followeeId: string): Promise<void> {
    await this.write('follow', () =>
      this.worker.apply({ kind: 'follow', readerId: followerId, authorId: followeeId }),
    );
  }

  async unfollowed(followerId: string, followeeId: string): Promise<void> {
    await this.write('unfollow', () =>
      this.worker.apply({ kind: 'unfollow', readerId: followerId, authorId: followeeId }),
    );
  }

  /** the account is gone: its timeline goes; others' entries of its posts heal at their read */
  async accountDeleted(userId: string): Promise<void> {
    await this.deps.store.drop(userId).catch(() => this.repair());
  }

  /**
   * One page from the reader's timeline, or undefined when the query must answer: the store is
   * away, the timeline is not built (a rebuild starts, off this request), the page runs past
   * the timeline's end, or a post of the page is gone (its entry is removed on the way).
   */
  async page<X>(
    userId: string,
    page: PageRequest,
    /** what the page needs besides the posts, from the ids alone: runs beside the posts' read */
    alongside: (entries: TimelineEntry[]) => Promise<X>,
  ): Promise<(Page<PostDoc> & { alongside: X }) | undefined> {
    const cursor = decodeCursor(page.cursor);
    const before = cursor && { at: cursor.createdAt.getTime(), postId: cursor.id.toHexString() };
    let window: Awaited<ReturnType<TimelineStore['window']>>;
    try {
      window = await this.deps.store.window(userId, before, page.limit + 1);
    } catch {
      this.reads.inc({ source: 'fallback' });
      return undefined;
    }
    if (!window.built) void this.rebuild(userId);
    if (!window.built || window.exhausted) {
      this.reads.inc({ source: 'fallback' });
      return undefined;
    }
    const [docs, extra] = await Promise.all([
      postsInOrder(
        this.deps.posts,
        window.entries.map((e) => e.postId),
      ),
      alongside(window.entries.slice(0, page.limit)),
    ]);
    if (docs.length < window.entries.length) {
      const found = new Set(docs.map((d) => d._id.toHexString()));
      const gone = window.entries.filter((e) => !found.has(e.postId));
      await Promise.all([
        this.deps.store.remove([userId], gone),
        this.deps.store.removeAuthorEntries(gone),
      ]).catch(() => {});
      this.reads.inc({ source: 'fallback' });
      return undefined;
    }
    this.reads.inc({ source: 'timeline' });
    return { ...toPage(docs, page.limit, (d) => d), alongside: extra };
  }

  /** the shadow tally of this instance, and the cluster's fan-out backlog (null: Redis away) */
  async consistency(): Promise<ReturnType<ShadowTally['snapshot']> & { backlog: number | null }> {
    const backlog = await this.deps.journal.backlog().catch(() => null);
    return { ...this.deps.tally.snapshot(), backlog };
  }

  /** resolves once the fan-out journal is empty (tests, the backfill command) */
  async settled(pollMs = 50): Promise<void> {
    while ((await this.deps.journal.backlog()) > 0) await new Promise((r) => setTimeout(r, pollMs));
  }

  /** a query-served read, counted */
  servedByQuery(): void {
    this.reads.inc({ source: 'query' });
  }

  /**
   * Compares the served first page with the timeline's, off the request path. A mismatch is
   * checked again after settleMs against a fresh query (a fan-out may still have been on its
   * way) and counted only if it remains. Unbuilt timelines are rebuilt and not compared.
   */
  shadow(userId: string, served: string[], limit: number, query: QueryFirstPage): void {
    setImmediate(() => {
      void this.compare(userId, served, limit, query, true);
    });
  }

  private async compare(
    userId: string,
    served: string[],
    limit: number,
    query: QueryFirstPage,
    first: boolean,
  ): Promise<void> {
    try {
      const window = await this.deps.store.window(userId, undefined, limit);
      if (!window.built) {
        void this.rebuild(userId);
        return;
      }
      if (window.exhausted) return;
      const same =
        window.entries.length === served.length && window.entries.every((e, i) => e.postId === served[i]);
      if (!same && first) {
        const t = setTimeout(async () => {
          try {
            await this.compare(userId, await query(userId, limit), limit, query, false);
          } catch {
            this.record('error');
          }
        }, this.deps.settleMs ?? 1000);
        t.unref();
        return;
      }
      this.record(same ? 'match' : 'mismatch');
    } catch {
      this.record('error');
    }
  }

  private record(result: 'match' | 'mismatch' | 'error'): void {
    this.deps.tally.record(result);
    this.shadowReads.inc({ result });
  }

  /**
   * The reader's timeline from the posts: the newest `size` posts of everyone followed and of
   * the reader, and the followed celebrities. One at a time per reader on this instance; fan-outs
   * during it land in it.
   */
  rebuild(userId: string): Promise<void> {
    const running = this.rebuilding.get(userId);
    if (running) return running;
    const next = this.rebuildOrThrow(userId)
      .catch((err: Error) =>
        this.deps.logger.warn({ userId, err: err.message }, 'feed timeline rebuild failed'),
      )
      .finally(() => this.rebuilding.delete(userId));
    this.rebuilding.set(userId, next);
    return next;
  }

  /** rebuild() without the single flight and the log: the backfill command counts failures */
  async rebuildOrThrow(userId: string): Promise<void> {
    const { store } = this.deps;
    const generation = await store.startRebuild(userId);
    const followees = (await followingIdsQuery(this.deps.follows, userId).lean()).map((r) => r.followee);
    const authors = [...followees, new Types.ObjectId(userId)];
    const rows = await feedQuery(this.deps.posts, authors, { limit: store.size - 1 }).lean();
    const celebrities = new Set(await store.celebrities());
    const followed = followees.map((f) => f.toHexString());
    await store.finishRebuild(
      userId,
      generation,
      rows.map((r) => ({
        postId: r._id.toHexString(),
        authorId: r.postedBy.toHexString(),
        at: r.createdAt.getTime(),
      })),
      followed.filter((f) => celebrities.has(f)),
      followed,
    );
  }

  private entryOf(post: Pick<PostDoc, '_id' | 'postedBy' | 'createdAt'>): TimelineEntry {
    return {
      postId: post._id.toHexString(),
      authorId: post.postedBy.toHexString(),
      at: post.createdAt.getTime(),
    };
  }

  private async journal(job: FanoutJob): Promise<void> {
    await this.deps.journal.append([job]);
    this.worker.wake();
  }

  /** A timeline write of a request, in modes that write; never fails the request. */
  private async write(kind: FanoutJob['kind'], op: () => Promise<void>): Promise<boolean> {
    if (!this.writing) return false;
    try {
      await op();
      return true;
    } catch (err) {
      this.deps.logger.warn(
        { job: kind, err: (err as Error).message },
        'feed timeline write failed; timelines will be rebuilt',
      );
      this.repair();
      return false;
    }
  }

  /** Makes every timeline stale, retrying until the store answers. */
  private repair(): void {
    if (this.repairing) return;
    this.repairing = new Promise<void>((resolve) => {
      const attempt = () => {
        this.deps.store.invalidateAll().then(
          () => {
            this.repairing = undefined;
            this.deps.logger.info('feed timelines invalidated; each is rebuilt on its next read');
            resolve();
          },
          () => {
            this.repairTimer = setTimeout(attempt, REPAIR_RETRY_MS);
            this.repairTimer.unref();
          },
        );
      };
      attempt();
    });
  }

  /** resolves once no invalidation of every timeline is pending (after a mode change, an outage) */
  async repaired(): Promise<void> {
    await this.repairing;
  }
}
