import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { PostDoc, PostModel } from './post-model';
import type { ReplyModel } from './reply-model';

// Unexecuted queries: the service runs them, and verify-indexes explains exactly these.

export const inIds = (ids: Types.ObjectId[]) => mongoose.trusted({ $in: ids });

/**
 * Posts by id in the order given, those gone left out: one find by `_id` list, which every
 * store serves from its `_id` index (the embedded one through scripts/ferretdb/patches.json).
 */
export async function postsInOrder(posts: PostModel, ids: readonly string[]): Promise<PostDoc[]> {
  if (ids.length === 0) return [];
  const rows = await posts.find({ _id: inIds(ids.map((id) => new Types.ObjectId(id))) }).lean<PostDoc[]>();
  const byId = new Map(rows.map((r) => [r._id.toHexString(), r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

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
