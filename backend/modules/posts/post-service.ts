import { Types } from 'mongoose';
import type { CacheAside } from '../../cache/cache-aside';
import { ForbiddenError, NotFoundError } from '../../errors/app-error';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import type { Logger } from '../../infra/logger';
import { applyCountersOnce } from '../../integrity/apply-counters-once';
import { encodeCursor, type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { ActivitySink } from '../../ports/activity-sink';
import type { Quota } from '../../rate-limits/user-quotas';
import type { ActorProfiles } from '../notifications/actor-profiles';
import { feedCacheKey } from '../users/cache-keys';
import type { UserModel } from '../users/user-model';
import type { UserService } from '../users/user-service';
import type { FeedTimelines } from './feed-timelines';
import type { LikeModel } from './like-model';
import type { PostDoc, PostModel } from './post-model';
import { authorPostsQuery, feedQuery, inIds, postsInOrder, repliesQuery } from './post-queries';
import {
  type AuthorSummary,
  type PublicPost,
  type PublicReply,
  toPublicPost,
  toPublicReply,
} from './post-view';
import type { ReplyDoc, ReplyModel } from './reply-model';

/** Cached first feed window: the largest page limit, so one entry serves every limit. */
export const FEED_WINDOW = 100;
/** followers read per query when a post invalidates their feeds */
const FOLLOWER_BATCH = 1000;

interface FeedWindow {
  /** newest first, at most FEED_WINDOW */
  ids: string[];
  /** more posts exist after the window */
  more: boolean;
}

export class PostService {
  constructor(
    private readonly deps: {
      posts: PostModel;
      likes: LikeModel;
      replies: ReplyModel;
      users: UserModel;
      userService: UserService;
      activity: ActivitySink;
      cache: Pick<CacheAside, 'getOrLoad' | 'invalidate' | 'enabled' | 'mayHoldEntries'>;
      logger: Logger;
      /** posts per user and window (429 RATE_LIMITED over it, before anything is written) */
      postQuota?: Quota | undefined;
      /** the feed's timelines: fan-out journaled before a post's ack, reads per feed.mode */
      timelines?: FeedTimelines | undefined;
      /** authors' names, cached per instance and dropped on rename; absent: read per page */
      actors?: Pick<ActorProfiles, 'get'> | undefined;
    },
  ) {
    deps.timelines?.onFollowersReached({
      wanted: () => deps.cache.mayHoldEntries(),
      reached: (ids) =>
        this.dropFeeds(ids).catch((err: unknown) =>
          deps.logger.warn(
            { err },
            "could not invalidate followers' feeds; they may show the old first page until their TTL",
          ),
        ),
    });
  }

  async create(authorId: string, text: string): Promise<PublicPost> {
    await this.deps.postQuota?.spend(authorId);
    const doc = await this.deps.posts.create({ postedBy: new Types.ObjectId(authorId), text });
    const fannedOut = (await this.deps.timelines?.posted(doc)) ?? false;
    await this.invalidateFeedsWith(authorId, fannedOut);
    const [post] = await this.present([doc.toObject()], authorId);
    return post!;
  }

  async get(postId: string, viewerId: string): Promise<PublicPost> {
    const doc = await this.deps.posts.findById(postId).lean();
    if (!doc) throw new NotFoundError('Post');
    const [post] = await this.present([doc], viewerId);
    return post!;
  }

  async remove(postId: string, userId: string): Promise<void> {
    const doc = await this.deps.posts.findById(postId, { postedBy: 1, createdAt: 1 }).lean();
    if (!doc) throw new NotFoundError('Post');
    if (!doc.postedBy.equals(userId)) throw new ForbiddenError('Only the author can delete a post');
    const post = new Types.ObjectId(postId);
    await this.deps.posts.deleteOne({ _id: post });
    const fannedOut = (await this.deps.timelines?.deleted(doc)) ?? false;
    await Promise.all([
      this.deps.likes.deleteMany({ post }),
      this.deps.replies.deleteMany({ post }),
      this.invalidateFeedsWith(userId, fannedOut),
    ]);
  }

  /**
   * Idempotent like: the unique index lets one insert win, and the counter moves once per
   * edge (applyCountersOnce), so a retry after a failed counter update repairs it.
   */
  async like(postId: string, userId: string): Promise<{ liked: boolean; likesCount: number }> {
    const post = await this.mustFind(postId);
    const edge = { post: post._id, user: new Types.ObjectId(userId) };
    try {
      await this.deps.likes.create({ ...edge, countersApplied: false });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const applied = await applyCountersOnce(this.deps.likes, edge, () =>
      this.deps.posts.updateOne({ _id: post._id }, { $inc: { likesCount: 1 } }),
    );
    if (applied) {
      if (!post.postedBy.equals(userId))
        await this.deps.activity.record({
          kind: 'like',
          actorId: userId,
          userId: post.postedBy.toHexString(),
          postId,
        });
    }
    return { liked: true, likesCount: await this.likesCount(post._id) };
  }

  async unlike(postId: string, userId: string): Promise<{ liked: boolean; likesCount: number }> {
    const post = await this.mustFind(postId);
    const { deletedCount } = await this.deps.likes.deleteOne({
      post: post._id,
      user: new Types.ObjectId(userId),
    });
    if (deletedCount === 1) await this.deps.posts.updateOne({ _id: post._id }, { $inc: { likesCount: -1 } });
    return { liked: false, likesCount: await this.likesCount(post._id) };
  }

  async reply(postId: string, userId: string, text: string): Promise<PublicReply> {
    const post = await this.mustFind(postId);
    const doc = await this.deps.replies.create({
      post: post._id,
      postedBy: new Types.ObjectId(userId),
      text,
      countersApplied: false,
    });
    // This reply, and any left uncounted on the post by a failed earlier attempt.
    const pending = await this.deps.replies
      .find({ post: post._id, countersApplied: false }, { _id: 1 })
      .limit(100)
      .lean();
    for (const r of pending)
      await applyCountersOnce(this.deps.replies, { _id: r._id }, () =>
        this.deps.posts.updateOne({ _id: post._id }, { $inc: { repliesCount: 1 } }),
      );
    if (!post.postedBy.equals(userId))
      await this.deps.activity.record({
        kind: 'reply',
        actorId: userId,
        userId: post.postedBy.toHexString(),
        postId,
        replyId: doc._id.toHexString(),
      });
    const [reply] = await this.presentReplies([doc.toObject()]);
    return reply!;
  }

  async listReplies(postId: string, page: PageRequest): Promise<Page<PublicReply>> {
    const post = await this.mustFind(postId);
    const rows = await repliesQuery(this.deps.replies, post._id, page).lean();
    const result = toPage(rows, page.limit, (r) => r);
    return { items: await this.presentReplies(result.items), nextCursor: result.nextCursor };
  }

  async listByAuthor(authorId: string, viewerId: string, page: PageRequest): Promise<Page<PublicPost>> {
    await this.deps.userService.mustExist(authorId);
    return this.pageOf(authorPostsQuery(this.deps.posts, authorId, page), viewerId, page);
  }

  /**
   * Posts by everyone the user follows and by the user, newest first. With the cache on, the
   * first page comes from a cached window of post ids; the posts themselves (counters, authors,
   * likedByMe) are read fresh by id. Later pages are live queries. A reader whose feed comes
   * from a timeline (feed.mode) reads it there, and here whenever the timeline cannot answer.
   */
  async feed(userId: string, page: PageRequest): Promise<Page<PublicPost>> {
    const timelines = this.deps.timelines;
    if (timelines?.readsTimeline(userId)) {
      // a timeline entry names its post and author: authors and likes are read beside the posts
      const hit = await timelines.page(userId, page, (entries) =>
        this.lookups(
          entries.map((e) => new Types.ObjectId(e.authorId)),
          entries.map((e) => new Types.ObjectId(e.postId)),
          userId,
        ),
      );
      if (hit) return { items: this.presentWith(hit.items, hit.alongside), nextCursor: hit.nextCursor };
      return this.feedFromQuery(userId, page);
    }
    const served = await this.feedFromQuery(userId, page);
    if (timelines) {
      timelines.servedByQuery();
      if (!page.cursor && timelines.shadows(userId))
        timelines.shadow(
          userId,
          served.items.map((p) => p.id),
          page.limit,
          (u, limit) => this.queryFirstPage(u, limit),
        );
    }
    return served;
  }

  private async queryFirstPage(userId: string, limit: number): Promise<string[]> {
    const rows = await feedQuery(this.deps.posts, await this.feedAuthors(userId), { limit }).lean();
    return rows.slice(0, limit).map((r) => r._id.toHexString());
  }

  private async feedFromQuery(userId: string, page: PageRequest): Promise<Page<PublicPost>> {
    if (page.cursor || page.limit > FEED_WINDOW || !this.deps.cache.enabled())
      return this.pageOf(feedQuery(this.deps.posts, await this.feedAuthors(userId), page), userId, page);
    const key = feedCacheKey(userId);
    const own: { rows?: PostDoc[] } = {};
    const window = await this.deps.cache.getOrLoad<FeedWindow>(key, async () => {
      const rows = await feedQuery(this.deps.posts, await this.feedAuthors(userId), {
        limit: FEED_WINDOW,
      }).lean();
      own.rows = rows.slice(0, FEED_WINDOW);
      return { ids: own.rows.map((r) => r._id.toHexString()), more: rows.length > FEED_WINDOW };
    });
    const ids = window.ids.slice(0, page.limit);
    // our own loader ran: its rows are as fresh as a second read would be
    const docs = own.rows ? own.rows.slice(0, page.limit) : await postsInOrder(this.deps.posts, ids);
    if (docs.length < ids.length) {
      // a post of the window is gone without its invalidation (Redis was away): heal the entry
      await this.deps.cache.invalidate([key]);
      return this.pageOf(feedQuery(this.deps.posts, await this.feedAuthors(userId), page), userId, page);
    }
    const last = docs[docs.length - 1];
    const hasMore = window.ids.length > page.limit || window.more;
    return {
      items: await this.present(docs, userId),
      nextCursor: hasMore && last ? encodeCursor(last) : null,
    };
  }

  private async feedAuthors(userId: string): Promise<Types.ObjectId[]> {
    const authors = await this.deps.userService.followingIds(userId);
    authors.push(new Types.ObjectId(userId));
    return authors;
  }

  /**
   * A post by the author appeared or vanished: the author's feed and each follower's change.
   * The author's entry goes before the response. A journaled fan-out walks the followers anyway
   * and drops their entries on its way (`onFollowersReached`), so the ack costs the same whatever
   * the follower count and followers' cached pages change when their timelines do. Otherwise
   * (`feed.mode` read, or the journal could not take it) they go before the response too: one
   * followers-index page per FOLLOWER_BATCH followers and one DEL per 500 keys (about 100
   * queries and 200 DELs for 100k followers). None at all while no cache entry can exist. A
   * failure here is logged, never fails the write: the TTL bounds it.
   */
  private async invalidateFeedsWith(authorId: string, fannedOut: boolean): Promise<void> {
    const { cache, userService } = this.deps;
    if (!cache.mayHoldEntries()) return;
    await cache.invalidate([feedCacheKey(authorId)]);
    if (fannedOut) return;
    try {
      for await (const ids of userService.followerIdBatches(authorId, FOLLOWER_BATCH))
        await this.dropFeeds(ids);
    } catch (err) {
      this.deps.logger.warn(
        { err, authorId },
        "could not invalidate followers' feeds; they may show the old first page until their TTL",
      );
    }
  }

  private dropFeeds(userIds: string[]): Promise<void> {
    return this.deps.cache.invalidate(userIds.map(feedCacheKey));
  }

  private async pageOf(
    query: ReturnType<typeof feedQuery>,
    viewerId: string,
    page: PageRequest,
  ): Promise<Page<PublicPost>> {
    const result = toPage(await query.lean(), page.limit, (r) => r);
    return { items: await this.present(result.items, viewerId), nextCursor: result.nextCursor };
  }

  private async mustFind(postId: string): Promise<PostDoc> {
    const doc = await this.deps.posts.findById(postId).lean();
    if (!doc) throw new NotFoundError('Post');
    return doc;
  }

  private async likesCount(post: Types.ObjectId): Promise<number> {
    const doc = await this.deps.posts.findById(post, { likesCount: 1 }).lean();
    return doc?.likesCount ?? 0;
  }

  private async authors(ids: Types.ObjectId[]): Promise<Map<string, AuthorSummary>> {
    const unique = [...new Map(ids.map((id) => [id.toHexString(), id])).values()];
    const actors = this.deps.actors;
    if (actors) {
      const found = await Promise.all(unique.map((id) => actors.get(id.toHexString())));
      return new Map(found.flatMap((a) => (a ? [[a.id, a] as const] : [])));
    }
    const users = await this.deps.users.find({ _id: inIds(unique) }, { username: 1, name: 1 }).lean();
    return new Map(
      users.map((u) => [
        u._id.toHexString(),
        { id: u._id.toHexString(), username: u.username, name: u.name },
      ]),
    );
  }

  private async present(docs: PostDoc[], viewerId: string): Promise<PublicPost[]> {
    if (docs.length === 0) return [];
    return this.presentWith(
      docs,
      await this.lookups(
        docs.map((d) => d.postedBy),
        docs.map((d) => d._id),
        viewerId,
      ),
    );
  }

  /** the authors of the posts and which of them the viewer liked */
  private async lookups(authorIds: Types.ObjectId[], postIds: Types.ObjectId[], viewerId: string) {
    if (postIds.length === 0) return { authors: new Map<string, AuthorSummary>(), liked: new Set<string>() };
    const [authors, liked] = await Promise.all([
      this.authors(authorIds),
      this.deps.likes.find({ user: new Types.ObjectId(viewerId), post: inIds(postIds) }, { post: 1 }).lean(),
    ]);
    return { authors, liked: new Set(liked.map((l) => l.post.toHexString())) };
  }

  private presentWith(
    docs: PostDoc[],
    { authors, liked }: { authors: Map<string, AuthorSummary>; liked: Set<string> },
  ): PublicPost[] {
    return docs.map((d) => toPublicPost(d, authors, liked.has(d._id.toHexString())));
  }

  private async presentReplies(docs: ReplyDoc[]): Promise<PublicReply[]> {
    const authors = await this.authors(docs.map((d) => d.postedBy));
    return docs.map((d) => toPublicReply(d, authors));
  }
}
