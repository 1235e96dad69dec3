import { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { FollowModel } from './follow-model';
import type { UserModel } from './user-model';

// Unexecuted queries: the services run them, and verify-indexes explains exactly these.

/** Followers are edges by followee, following by follower; newest first. */
export function edgesQuery(
  follows: FollowModel,
  by: 'follower' | 'followee',
  userId: string,
  page: PageRequest,
) {
  return follows
    .find({ [by]: new Types.ObjectId(userId), ...afterCursor(decodeCursor(page.cursor)) })
    .sort(newestFirst)
    .limit(page.limit + 1);
}

/** Ids the user follows: the feed's fan-in set. */
export function followingIdsQuery(follows: FollowModel, userId: string) {
  return follows.find({ follower: new Types.ObjectId(userId) }, { followee: 1, _id: 0 });
}

/** A login is a username or an email, both unique indexes. */
export function loginQuery(users: UserModel, login: string) {
  const key = login.toLowerCase();
  const filter = key.includes('@') ? { email: key } : { username: key };
  return users.findOne(filter).select('+passwordHash');
}

/** Every follower of the user, unsorted: one pass over the followers index, for the feed's fan-out. */
export function followersOfQuery(follows: FollowModel, userId: string) {
  return follows.find({ followee: new Types.ObjectId(userId) }, { follower: 1, _id: 0 });
}
