import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { PostModel } from './post-model';
import type { ReplyModel } from './reply-model';

// Unexecuted queries: the service runs them, and verify-indexes explains exactly these.

export const inIds = (ids: Types.ObjectId[]) => mongoose.trusted({ $in: ids });

/** The feed: posts by any of the authors, newest first. */
export function feedQuery(posts: PostModel, authorIds: Types.ObjectId[], page: PageRequest) {
  return postsPage(posts, { postedBy: inIds(authorIds) }, page);
}

/** One author's posts, newest first (a profile). */
export function authorPostsQuery(posts: PostModel, authorId: string, page: PageRequest) {
  return postsPage(posts, { postedBy: new Types.ObjectId(authorId) }, page);
}

/** A post's replies, newest first. */
export function repliesQuery(replies: ReplyModel, postId: Types.ObjectId, page: PageRequest) {
  return replies
    .find({ post: postId, ...afterCursor(decodeCursor(page.cursor)) })
    .sort(newestFirst)
    .limit(page.limit + 1);
}

function postsPage(posts: PostModel, filter: Record<string, unknown>, page: PageRequest) {
  return posts
    .find({ ...filter, ...afterCursor(decodeCursor(page.cursor)) })
    .sort(newestFirst)
    .limit(page.limit + 1);
}
