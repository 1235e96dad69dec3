import mongoose, { type Connection, type Model } from 'mongoose';
import { getNotificationModel } from '../../backend/modules/notifications/notification-model';
import { getUnreadCounterModel } from '../../backend/modules/notifications/unread-counter-model';
import { getLikeModel } from '../../backend/modules/posts/like-model';
import { getPostModel } from '../../backend/modules/posts/post-model';
import { getReplyModel } from '../../backend/modules/posts/reply-model';
import { getFollowModel } from '../../backend/modules/users/follow-model';
import { getUserModel } from '../../backend/modules/users/user-model';

export interface CounterFix {
  counter: string;
  id: string;
  was: number;
  now: number;
}

export interface RepairReport {
  /** per counter: documents checked and documents fixed */
  checked: Record<string, number>;
  fixes: CounterFix[];
}

// biome-ignore lint/suspicious/noExplicitAny: one loop over several models; fields are named at run time
type AnyModel = Model<any>;
const loose = (m: unknown) => m as AnyModel;

/** Edge counts per owner id, as { id → n }; $group works on MongoDB and FerretDB alike. */
async function countBy(model: AnyModel, field: string, match: object = {}): Promise<Map<string, number>> {
  const rows = await model.aggregate<{ _id: mongoose.Types.ObjectId; n: number }>([
    { $match: match },
    { $group: { _id: `$${field}`, n: { $sum: 1 } } },
  ]);
  return new Map(rows.map((r) => [r._id.toHexString(), r.n]));
}

/**
 * Recomputes every denormalised counter from the edges it summarises (followers, following,
 * likes, replies, unread notifications) and sets the ones that differ. Pending edges
 * (countersApplied: false, left by a failed write) are marked applied first, since the recount
 * includes them. Safe to run on a live system: a write racing the recount can leave its own
 * counter off by the one in flight, and a second run converges.
 */
export async function repairCounters(
  mongo: Connection,
  progress: (line: string) => void = () => {},
): Promise<RepairReport> {
  const users = getUserModel(mongo);
  const posts = getPostModel(mongo);
  const follows = getFollowModel(mongo);
  const likes = getLikeModel(mongo);
  const replies = getReplyModel(mongo);
  const notifications = getNotificationModel(mongo);
  const unread = getUnreadCounterModel(mongo);
  const report: RepairReport = { checked: {}, fixes: [] };

  for (const edges of [follows, likes, replies].map(loose))
    await edges.updateMany({ countersApplied: false }, { $set: { countersApplied: true } });

  const check = async (
    label: string,
    owners: AnyModel,
    field: string,
    counts: Map<string, number>,
    filter: object = {},
  ) => {
    let checked = 0;
    for await (const doc of owners
      .find(filter, { [field]: 1 })
      .lean()
      .cursor()) {
      const d = doc as { _id: mongoose.Types.ObjectId } & Record<string, unknown>;
      const id = d._id.toHexString();
      const was = Number(d[field] ?? 0);
      const now = counts.get(id) ?? 0;
      checked += 1;
      if (was !== now) {
        await owners.updateOne({ _id: d._id }, { $set: { [field]: now } });
        report.fixes.push({ counter: label, id, was, now });
      }
      if (checked % 1000 === 0) progress(`${label}: ${checked} checked, ${report.fixes.length} fixed so far`);
    }
    report.checked[label] = checked;
    progress(`${label}: ${checked} checked`);
  };

  await check(
    'users.followersCount',
    loose(users),
    'followersCount',
    await countBy(loose(follows), 'followee'),
  );
  await check(
    'users.followingCount',
    loose(users),
    'followingCount',
    await countBy(loose(follows), 'follower'),
  );
  await check('posts.likesCount', loose(posts), 'likesCount', await countBy(loose(likes), 'post'));
  await check('posts.repliesCount', loose(posts), 'repliesCount', await countBy(loose(replies), 'post'));

  // unread notifications live in their own collection, keyed by user
  const unreadCounts = await countBy(loose(notifications), 'user', { read: false });
  let checked = 0;
  for (const doc of await unread.find({}, { user: 1, unread: 1 }).lean()) {
    checked += 1;
    const id = doc.user.toHexString();
    const now = unreadCounts.get(id) ?? 0;
    unreadCounts.delete(id);
    if (doc.unread !== now) {
      await unread.updateOne({ _id: doc._id }, { $set: { unread: now } });
      report.fixes.push({ counter: 'notifications.unread', id, was: doc.unread, now });
    }
  }
  for (const [id, now] of unreadCounts) {
    checked += 1;
    await unread.updateOne(
      { user: new mongoose.Types.ObjectId(id) },
      { $set: { unread: now } },
      { upsert: true },
    );
    report.fixes.push({ counter: 'notifications.unread', id, was: 0, now });
  }
  report.checked['notifications.unread'] = checked;
  progress(`notifications.unread: ${checked} checked`);
  return report;
}
