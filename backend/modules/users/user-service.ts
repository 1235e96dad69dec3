import mongoose, { Types } from 'mongoose';
import type { CacheAside } from '../../cache/cache-aside';
import { NotFoundError, ValidationError } from '../../errors/app-error';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import { applyCountersOnce } from '../../integrity/apply-counters-once';
import { type Page, toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { ActivitySink } from '../../ports/activity-sink';
import type { FollowEdges } from '../../ports/follow-edges';
import type { ProfileChanges } from '../../ports/profile-changes';
import type { RelationshipChanges } from '../../ports/relationship-changes';
import type { Quota } from '../../rate-limits/user-quotas';
import { feedCacheKey, profileCacheKey } from './cache-keys';
import type { FollowModel } from './follow-model';
import type { UserModel } from './user-model';
import { edgesQuery, followingIdsQuery } from './user-queries';
import { type PublicUser, toPublicUser } from './user-view';

export interface FollowResult {
  following: boolean;
  followersCount: number;
}

export class UserService {
  constructor(
    private readonly deps: {
      users: UserModel;
      follows: FollowModel;
      activity: ActivitySink;
      cache: Pick<CacheAside, 'getOrLoad' | 'invalidate'>;
      /** told on follow and unfollow (presence privacy follows the edges) */
      relationships?: RelationshipChanges;
      /** told on a name change (message notifications carry the sender's name from a cache) */
      profiles?: ProfileChanges;
      /** follows per user and window (429 RATE_LIMITED over it, before anything is written) */
      followQuota?: Quota | undefined;
      /** told on follow and unfollow (feed timelines gain or lose the followee's posts) */
      followEdges?: FollowEdges | undefined;
    },
  ) {}

  /**
   * The profile document comes from the cache (keyed by id, so a username resolves to its id
   * first and one invalidation covers both ways in); isFollowing depends on the viewer and is
   * always a live query.
   */
  async getProfile(idOrUsername: string, viewerId: string): Promise<PublicUser> {
    const id = /^[0-9a-f]{24}$/i.test(idOrUsername)
      ? idOrUsername.toLowerCase()
      : await this.idOfUsername(idOrUsername);
    const profile = await this.deps.cache.getOrLoad(profileCacheKey(id), () => this.loadProfile(id));
    const userId = new Types.ObjectId(id);
    const isFollowing = userId.equals(viewerId)
      ? false
      : (await this.deps.follows.exists({ follower: new Types.ObjectId(viewerId), followee: userId })) !==
        null;
    return { ...profile, isFollowing };
  }

  private async idOfUsername(username: string): Promise<string> {
    const doc = await this.deps.users.findOne({ username: username.toLowerCase() }, { _id: 1 }).lean();
    if (!doc) throw new NotFoundError('User');
    return doc._id.toHexString();
  }

  private async loadProfile(id: string): Promise<PublicUser> {
    const doc = await this.deps.users.findById(id).lean();
    if (!doc) throw new NotFoundError('User');
    return toPublicUser(doc);
  }

  async updateMe(
    userId: string,
    patch: { name?: string | undefined; bio?: string | undefined },
  ): Promise<PublicUser> {
    const set: Record<string, string> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.bio !== undefined) set.bio = patch.bio;
    // updateOne then read: FerretDB v1 rejects findAndModify with a projection, which
    // mongoose adds for the select:false password hash.
    const { matchedCount } = await this.deps.users.updateOne({ _id: userId }, { $set: set });
    if (matchedCount === 1) {
      if (patch.name !== undefined) this.deps.profiles?.renamed(userId);
      await this.deps.cache.invalidate([profileCacheKey(userId)]);
    }
    const doc = matchedCount === 1 ? await this.deps.users.findById(userId).lean() : null;
    if (!doc) throw new NotFoundError('User');
    return toPublicUser(doc, { withEmail: true });
  }

  /**
   * Idempotent: the unique edge index lets exactly one concurrent follow insert, and the
   * counters move once per edge (applyCountersOnce): double clicks leave them right, and a
   * retry after a failed counter update repairs them.
   */
  async follow(followerId: string, followeeId: string): Promise<FollowResult> {
    if (followerId === followeeId) throw new ValidationError('You cannot follow yourself');
    await this.mustExist(followeeId);
    await this.deps.followQuota?.spend(followerId);
    const edge = { follower: new Types.ObjectId(followerId), followee: new Types.ObjectId(followeeId) };
    try {
      await this.deps.follows.create({ ...edge, countersApplied: false });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const applied = await applyCountersOnce(this.deps.follows, edge, () =>
      Promise.all([
        this.deps.users.updateOne({ _id: followeeId }, { $inc: { followersCount: 1 } }),
        this.deps.users.updateOne({ _id: followerId }, { $inc: { followingCount: 1 } }),
      ]),
    );
    if (applied) {
      await this.invalidateFollowEdge(followerId, followeeId);
      await this.deps.relationships?.changed([followerId, followeeId]);
      await this.deps.followEdges?.followed(followerId, followeeId);
      await this.deps.activity.record({ kind: 'follow', actorId: followerId, userId: followeeId });
    }
    return { following: true, followersCount: await this.followersCount(followeeId) };
  }

  async unfollow(followerId: string, followeeId: string): Promise<FollowResult> {
    if (followerId === followeeId) throw new ValidationError('You cannot unfollow yourself');
    await this.mustExist(followeeId);
    const { deletedCount } = await this.deps.follows.deleteOne({
      follower: new Types.ObjectId(followerId),
      followee: new Types.ObjectId(followeeId),
    });
    if (deletedCount === 1) {
      await Promise.all([
        this.deps.users.updateOne({ _id: followeeId }, { $inc: { followersCount: -1 } }),
        this.deps.users.updateOne({ _id: followerId }, { $inc: { followingCount: -1 } }),
      ]);
      await this.invalidateFollowEdge(followerId, followeeId);
      await this.deps.relationships?.changed([followerId, followeeId]);
      await this.deps.followEdges?.unfollowed(followerId, followeeId);
    }
    return { following: false, followersCount: await this.followersCount(followeeId) };
  }

  /** both users' counters moved, and the follower's feed gained or lost an author */
  private invalidateFollowEdge(followerId: string, followeeId: string): Promise<void> {
    return this.deps.cache.invalidate([
      profileCacheKey(followerId),
      profileCacheKey(followeeId),
      feedCacheKey(followerId),
    ]);
  }

  listFollowers(userId: string, page: PageRequest): Promise<Page<PublicUser>> {
    return this.listEdges('followee', 'follower', userId, page);
  }

  listFollowing(userId: string, page: PageRequest): Promise<Page<PublicUser>> {
    return this.listEdges('follower', 'followee', userId, page);
  }

  /** Ids the user follows; the feed's fan-in set. */
  async followingIds(userId: string): Promise<Types.ObjectId[]> {
    const rows = await followingIdsQuery(this.deps.follows, userId).lean();
    return rows.map((r) => r.followee);
  }

  /**
   * Who follows the user, for presence fan-out. Capped: a presence change of an account with
   * more followers than that reaches the first `limit` only (followers can still ask with
   * presence:query).
   */
  async followerIds(userId: string, limit = 10_000): Promise<string[]> {
    const rows = await this.deps.follows
      .find({ followee: new Types.ObjectId(userId) }, { follower: 1, _id: 0 })
      .limit(limit)
      .lean();
    return rows.map((r) => r.follower.toHexString());
  }

  /**
   * Every follower's id, a batch at a time (pages of the followers index, newest first), for
   * work that must reach all of them, like invalidating their feeds. A follow added meanwhile
   * may be missed; it invalidates that follower's feed itself.
   */
  async *followerIdBatches(userId: string, batchSize = 1000): AsyncGenerator<string[]> {
    let cursor: string | undefined;
    do {
      const rows = await edgesQuery(this.deps.follows, 'followee', userId, { cursor, limit: batchSize })
        .select({ follower: 1, createdAt: 1 })
        .lean();
      const page = toPage(rows, batchSize, (r) => r.follower.toHexString());
      if (page.items.length > 0) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async mustExist(userId: string): Promise<void> {
    if ((await this.deps.users.exists({ _id: userId })) === null) throw new NotFoundError('User');
  }

  private async followersCount(userId: string): Promise<number> {
    const doc = await this.deps.users.findById(userId, { followersCount: 1 }).lean();
    return doc?.followersCount ?? 0;
  }

  private async listEdges(
    by: 'follower' | 'followee',
    other: 'follower' | 'followee',
    userId: string,
    page: PageRequest,
  ): Promise<Page<PublicUser>> {
    await this.mustExist(userId);
    const edges = await edgesQuery(this.deps.follows, by, userId, page).lean();
    const result = toPage(edges, page.limit, (e) => e[other].toHexString());
    const ids = result.items.map((id) => new Types.ObjectId(id));
    const users = await this.deps.users.find({ _id: mongoose.trusted({ $in: ids }) }).lean();
    const byId = new Map(users.map((u) => [u._id.toHexString(), u]));
    // An edge can outlive a deleted account for a moment; skip rather than fail the page.
    const items = result.items.flatMap((id) => {
      const u = byId.get(id);
      return u ? [toPublicUser(u)] : [];
    });
    return { items, nextCursor: result.nextCursor };
  }
}
