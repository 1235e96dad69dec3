import mongoose, { Types } from 'mongoose';
import type { Logger } from '../../infra/logger';
import { isDuplicateKey } from '../../infra/mongo';
import { toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { Activity, ActivitySink } from '../../ports/activity-sink';
import type { Notifier } from '../../ports/notifier';
import type { UserModel } from '../users/user-model';
import type { NotificationDoc, NotificationModel } from './notification-model';
import { createdAfterQuery, listQuery } from './notification-queries';
import { type NotificationPage, type PublicNotification, toPublicNotification } from './notification-view';
import type { UnreadCounterModel } from './unread-counter-model';

const PREVIEW_CHARS = 120;
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Persists a notification for each activity, then pushes `notification:new` to the user's
 * devices. It is the app's ActivitySink: a failure here is logged and swallowed, because the
 * follow, like or reply that caused it is already committed and must not turn into an error.
 */
export class NotificationService implements ActivitySink {
  constructor(
    private readonly deps: {
      notifications: NotificationModel;
      counters: UnreadCounterModel;
      users: UserModel;
      notifier: Notifier;
      logger: Logger;
      /** one follow or like notification per actor, target and kind within this many ms (0 = off) */
      dedupWindowMs?: number;
    },
  ) {}

  async record(activity: Activity): Promise<void> {
    try {
      await this.create(activity);
    } catch (err) {
      this.deps.logger.error({ err, kind: activity.kind }, 'notification not recorded');
    }
  }

  async create(activity: Activity): Promise<PublicNotification | undefined> {
    if (activity.actorId === activity.userId) return undefined;
    if (await this.isRepeat(activity)) return undefined;
    const actor = await this.deps.users.findById(activity.actorId, { username: 1, name: 1 }).lean();
    if (!actor) return undefined;
    const doc = await this.deps.notifications.create({
      user: oid(activity.userId),
      kind: activity.kind,
      actor: actor._id,
      actorUsername: actor.username,
      actorName: actor.name,
      ...('postId' in activity ? { post: oid(activity.postId) } : {}),
      ...('replyId' in activity ? { reply: oid(activity.replyId) } : {}),
      ...('gameId' in activity
        ? {
            game: oid(activity.gameId),
            ...(activity.text !== undefined ? { text: activity.text.slice(0, PREVIEW_CHARS) } : {}),
          }
        : {}),
    });
    await this.incUnread(activity.userId, 1);
    const notification = toPublicNotification(doc.toObject());
    this.deps.notifier.toUsers([activity.userId], 'notification:new', { notification });
    return notification;
  }

  /**
   * Follow/unfollow/follow (or like/unlike/like) in a loop must not flood the target: a follow
   * or like already notified within the window is not notified again. Messages and replies
   * carry content and are always notified.
   */
  private async isRepeat(activity: Activity): Promise<boolean> {
    const windowMs = this.deps.dedupWindowMs ?? 0;
    if (windowMs <= 0 || (activity.kind !== 'follow' && activity.kind !== 'like')) return false;
    const found = await this.deps.notifications.exists({
      user: oid(activity.userId),
      kind: activity.kind,
      actor: oid(activity.actorId),
      ...('postId' in activity ? { post: oid(activity.postId) } : {}),
      createdAt: mongoose.trusted({ $gt: new Date(Date.now() - windowMs) }),
    });
    return found !== null;
  }

  async list(
    userId: string,
    page: PageRequest & { unread?: boolean | undefined },
  ): Promise<NotificationPage> {
    const rows = await listQuery(this.deps.notifications, userId, page).lean();
    const result = toPage(rows, page.limit, toPublicNotification);
    return {
      notifications: result.items,
      unreadCount: await this.unreadCount(userId),
      nextCursor: result.nextCursor,
    };
  }

  /**
   * Only notifications whose state this call changed move the counter, so two devices marking
   * the same ids at once subtract them once.
   */
  async markRead(
    userId: string,
    which: { ids: string[] } | 'all',
  ): Promise<{ updated: number; unreadCount: number }> {
    const filter =
      which === 'all'
        ? { user: oid(userId), read: false }
        : { user: oid(userId), read: false, _id: mongoose.trusted({ $in: which.ids.map(oid) }) };
    const { modifiedCount } = await this.deps.notifications.updateMany(filter, { $set: { read: true } });
    if (modifiedCount > 0) await this.incUnread(userId, -modifiedCount);
    return { updated: modifiedCount, unreadCount: await this.unreadCount(userId) };
  }

  async unreadCount(userId: string): Promise<number> {
    const doc = await this.deps.counters.findOne({ user: oid(userId) }, { unread: 1 }).lean();
    return Math.max(0, doc?.unread ?? 0);
  }

  /** Oldest first after `since` (up to `upTo` when given), at most `limit + 1` rows. */
  async createdAfter(userId: string, since: Date, limit: number, upTo?: Date): Promise<NotificationDoc[]> {
    return createdAfterQuery(this.deps.notifications, userId, since, limit, upTo).lean();
  }

  private async incUnread(userId: string, by: number): Promise<void> {
    const update = () =>
      this.deps.counters.updateOne({ user: oid(userId) }, { $inc: { unread: by } }, { upsert: true });
    try {
      await update();
    } catch (err) {
      // Two first-ever notifications racing on two instances: both upsert, the unique index
      // lets one insert, and the other's retry finds the document and increments it.
      if (!isDuplicateKey(err)) throw err;
      await update();
    }
  }
}
