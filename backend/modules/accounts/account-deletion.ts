import { Types } from 'mongoose';
import type { CacheAside } from '../../cache/cache-aside';
import { UnauthorizedError } from '../../errors/app-error';
import type { Logger } from '../../infra/logger';
import type { RelationshipChanges } from '../../ports/relationship-changes';
import type { SessionRevocation } from '../../ports/session-revocation';
import type { ConversationModel } from '../messages/conversation-model';
import type { MessageModel } from '../messages/message-model';
import type { NotificationModel } from '../notifications/notification-model';
import type { UnreadCounterModel } from '../notifications/unread-counter-model';
import type { LikeModel } from '../posts/like-model';
import type { PostModel } from '../posts/post-model';
import type { ReplyModel } from '../posts/reply-model';
import { feedCacheKey, profileCacheKey } from '../users/cache-keys';
import type { FollowModel } from '../users/follow-model';
import type { PasswordHasher } from '../users/password-hasher';
import type { UserModel } from '../users/user-model';

/** What a feature removes of a deleted user's data; called once per attempt, must be idempotent. */
export type AccountDeletedHook = (userId: string) => Promise<void>;

/** The name notifications others received from a deleted account show instead of theirs. */
export const DELETED_ACTOR = 'deleted';

/**
 * `DELETE /api/auth/account`: erases a user and what is theirs (docs/security.md, "Account
 * deletion"). Order makes a retry complete a failed attempt: the `deletingAt` mark first,
 * then every kind of data (each step idempotent, counters moved per removed edge only), the
 * features' hooks, the user document last, and only then the session bump that revokes every
 * token and closes the user's sockets on every instance.
 */
export class AccountDeletion {
  private readonly hooks: AccountDeletedHook[] = [];

  constructor(
    private readonly deps: {
      users: UserModel;
      follows: FollowModel;
      posts: PostModel;
      likes: LikeModel;
      replies: ReplyModel;
      messages: MessageModel;
      conversations: ConversationModel;
      notifications: NotificationModel;
      counters: UnreadCounterModel;
      hasher: PasswordHasher;
      versions: SessionRevocation;
      /** told who lost a follower, a followee or a conversation partner */
      relationships?: Pick<RelationshipChanges, 'changed'> | undefined;
      cache: CacheAside;
      logger: Logger;
    },
  ) {}

  /** Features register what they remove (FeatureParts.onAccountDeleted). */
  onDeleted(hook: AccountDeletedHook): void {
    this.hooks.push(hook);
  }

  async deleteAccount(userId: string, password: string): Promise<void> {
    const { users } = this.deps;
    const doc = await users.findById(userId).select('+passwordHash').lean();
    if (!doc) throw new UnauthorizedError('Account no longer exists');
    if (!(await this.deps.hasher.verify(doc.passwordHash, password)))
      throw new UnauthorizedError('Wrong password');
    const me = new Types.ObjectId(userId);
    await users.updateOne({ _id: me }, { $set: { deletingAt: doc.deletingAt ?? new Date() } });
    const followed = await this.removeFollows(me);
    await this.removePosts(me);
    const partners = await this.removeMessages(me);
    await this.removeNotifications(me);
    for (const hook of this.hooks) await hook(userId);
    await users.deleteOne({ _id: me });
    await this.deps.cache.invalidate([profileCacheKey(userId), feedCacheKey(userId)]);
    // the others no longer tell the account their presence, nor it them
    await this.deps.relationships?.changed([...new Set([userId, ...followed, ...partners])]);
    // No user document now: every token is refused ("user not found" is revoked), and the
    // bump's notice drops the cached version and closes the sockets on every instance.
    await this.deps.versions.bump(userId);
    this.deps.logger.info({ userId }, 'account deleted');
  }

  /**
   * Each edge removed once, and the other side's counter moved only by the removal that won.
   * Returns the users on the other end of any edge.
   */
  private async removeFollows(me: Types.ObjectId): Promise<string[]> {
    const { follows, users } = this.deps;
    const edges = await follows.find({ $or: [{ follower: me }, { followee: me }] }).lean();
    const others = edges.map((e) => (e.follower.equals(me) ? e.followee : e.follower).toHexString());
    for (const edge of edges) {
      const { deletedCount } = await follows.deleteOne({ _id: edge._id });
      if (deletedCount !== 1 || edge.countersApplied === false) continue;
      const outgoing = edge.follower.equals(me);
      const other = outgoing ? edge.followee : edge.follower;
      await users.updateOne(
        { _id: other },
        { $inc: outgoing ? { followersCount: -1 } : { followingCount: -1 } },
      );
      await this.deps.cache.invalidate([
        profileCacheKey(other.toHexString()),
        feedCacheKey(other.toHexString()),
      ]);
    }
    return others;
  }

  /** Their posts with every like and reply on them; their likes and replies on others' posts. */
  private async removePosts(me: Types.ObjectId): Promise<void> {
    const { posts, likes, replies } = this.deps;
    for (const post of await posts.find({ postedBy: me }, { _id: 1 }).lean()) {
      await likes.deleteMany({ post: post._id });
      await replies.deleteMany({ post: post._id });
      await posts.deleteOne({ _id: post._id });
    }
    for (const like of await likes.find({ user: me }).lean()) {
      const { deletedCount } = await likes.deleteOne({ _id: like._id });
      if (deletedCount === 1 && like.countersApplied !== false)
        await posts.updateOne({ _id: like.post }, { $inc: { likesCount: -1 } });
    }
    for (const reply of await replies.find({ postedBy: me }).lean()) {
      const { deletedCount } = await replies.deleteOne({ _id: reply._id });
      if (deletedCount === 1 && reply.countersApplied !== false)
        await posts.updateOne({ _id: reply.post }, { $inc: { repliesCount: -1 } });
    }
  }

  /**
   * Every conversation of theirs goes, both sides: the other participant loses the thread.
   * Returns those participants.
   */
  private async removeMessages(me: Types.ObjectId): Promise<string[]> {
    const { conversations, messages } = this.deps;
    const partners: string[] = [];
    for (const c of await conversations.find({ participants: me }, { _id: 1, participants: 1 }).lean()) {
      for (const p of c.participants) if (!p.equals(me)) partners.push(p.toHexString());
      await messages.deleteMany({ conversation: c._id });
      await conversations.deleteOne({ _id: c._id });
    }
    // a message whose conversation update is still in an outbox
    await messages.deleteMany({ $or: [{ sender: me }, { recipient: me }] });
    return partners;
  }

  /** Theirs are deleted; those others got from them stay, their actor shown as "deleted". */
  private async removeNotifications(me: Types.ObjectId): Promise<void> {
    const { notifications, counters } = this.deps;
    await notifications.deleteMany({ user: me });
    await counters.deleteMany({ user: me });
    await notifications.updateMany({ actor: me }, { $set: { actorUsername: DELETED_ACTOR, actorName: '' } });
  }
}
