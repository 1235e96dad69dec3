import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { NotificationModel } from './notification-model';

// Unexecuted queries: the service runs them, and verify-indexes explains exactly these.

/** The user's notifications, newest first, optionally unread only. */
export function listQuery(
  notifications: NotificationModel,
  userId: string,
  page: PageRequest & { unread?: boolean | undefined },
) {
  return notifications
    .find({
      user: new Types.ObjectId(userId),
      ...(page.unread ? { read: false } : {}),
      ...afterCursor(decodeCursor(page.cursor)),
    })
    .sort(newestFirst)
    .limit(page.limit + 1);
}

/** The user's notifications after `since` (up to `upTo` when given), oldest first (sync). */
export function createdAfterQuery(
  notifications: NotificationModel,
  userId: string,
  since: Date,
  limit: number,
  upTo?: Date,
) {
  return notifications
    .find({
      user: new Types.ObjectId(userId),
      createdAt: mongoose.trusted(upTo ? { $gt: since, $lte: upTo } : { $gt: since }),
    })
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit + 1);
}
