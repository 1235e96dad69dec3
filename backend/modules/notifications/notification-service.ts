import mongoose, { Types } from 'mongoose';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import type { Logger } from '../../infra/logger';
import { toPage } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { Activity, ActivitySink, NotificationKindSpec } from '../../ports/activity-sink';
import type { Notifier } from '../../ports/notifier';
import type { UserModel } from '../users/user-model';
import { coreNotificationKinds, type NotificationDoc, type NotificationModel } from './notification-model';
import { createdAfterQuery, listQuery } from './notification-queries';
import {
  type NotificationPage,
  type PublicNotification,
  publicNotificationSchema,
  toPublicNotification,
} from './notification-view';
import type { UnreadCounterModel } from './unread-counter-model';

const PREVIEW_CHARS = 120;
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Persists a notification for each activity, then pushes `notification:new` to the user's
 * devices. It is the app's ActivitySink: a failure here is logged and swallowed, because the
 * follow, like or reply that caused it is already committed and must not turn into an error.
 *
 * Besides the core's kinds it records the kinds installed features register (`kinds`): their
 * subject is stored as `subject` and answered under the field the kind names (`subjectField`).
 */
export class NotificationService implements ActivitySink {
  private readonly kinds: ReadonlyMap<string, NotificationKindSpec>;

  constructor(
    private readonly deps: {
      notifications: NotificationModel;
      counters: UnreadCounterModel;
      users: UserModel;
      notifier: Notifier;
      logger: Logger;
      /** one follow or like notification per actor, target and kind within this many ms (0 = off) */
      dedupWindowMs?: number;
      /** the kinds installed features record, besides the core's */
      kinds?: readonly NotificationKindSpec[];
    },
  ) {
    this.kinds = featureKinds(deps.kinds ?? []);
  }

  /** The public form of a stored notification, its subject under its kind's field. */
  readonly toPublic = (doc: NotificationDoc): PublicNotification =>
    toPublicNotification(doc, (kind) => this.kinds.get(kind)?.subjectField);

  async record(activity: Activity): Promise<void> {
    try {
      await this.create(activity);
    } catch (err) {
      this.deps.logger.error({ err, kind: activity.kind }, 'notification not recorded');
    }
  }

  async create(activity: Activity): Promise<PublicNotification | undefined> {
    if (activity.actorId === activity.userId) return undefined;
    const feature = isCore(activity.kind) ? undefined : this.kinds.get(activity.kind);
    if (!isCore(activity.kind) && !feature)
      throw new Error(`notification kind ${activity.kind} is not registered by an installed feature`);
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
      ...(feature && 'subjectId' in activity && activity.subjectId !== undefined
        ? { subject: oid(activity.subjectId) }
        : {}),
      ...(feature && 'text' in activity && activity.text !== undefined
        ? { text: activity.text.slice(0, PREVIEW_CHARS) }
        : {}),
    });
    await this.incUnread(activity.userId, 1);
    const notification = this.toPublic(doc.toObject());
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
    const result = toPage(rows, page.limit, this.toPublic);
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

const CORE_KINDS: ReadonlySet<string> = new Set(coreNotificationKinds);
const isCore = (kind: string) => CORE_KINDS.has(kind);
/** the public notification's own fields: a feature's subject cannot take one of their names */
const CORE_FIELDS: ReadonlySet<string> = new Set(Object.keys(publicNotificationSchema.shape));

/** The registered kinds by name; a clash with the core or between features is a wiring error. */
function featureKinds(specs: readonly NotificationKindSpec[]): Map<string, NotificationKindSpec> {
  const kinds = new Map<string, NotificationKindSpec>();
  for (const spec of specs) {
    if (!/^[a-z][a-z0-9_]*$/.test(spec.kind))
      throw new Error(`notification kind ${spec.kind}: lower-case and _`);
    if (isCore(spec.kind) || kinds.has(spec.kind))
      throw new Error(`notification kind ${spec.kind} is registered twice`);
    if (spec.subjectField && CORE_FIELDS.has(spec.subjectField))
      throw new Error(
        `notification kind ${spec.kind}: ${spec.subjectField} is a field of every notification`,
      );
    kinds.set(spec.kind, spec);
  }
  return kinds;
}
