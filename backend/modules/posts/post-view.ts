import type { Types } from 'mongoose';
import { z } from 'zod';
import type { PostDoc } from './post-model';
import type { ReplyDoc } from './reply-model';

export const authorSummarySchema = z
  .object({ id: z.string(), username: z.string(), name: z.string() })
  .meta({ id: 'AuthorSummary', description: 'a deleted account shows as username "[deleted]"' });

export type AuthorSummary = z.infer<typeof authorSummarySchema>;

export const publicPostSchema = z
  .object({
    id: z.string(),
    author: authorSummarySchema,
    text: z.string(),
    likesCount: z.number().int(),
    repliesCount: z.number().int(),
    likedByMe: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Post' });

export type PublicPost = z.infer<typeof publicPostSchema>;

export const publicReplySchema = z
  .object({
    id: z.string(),
    postId: z.string(),
    author: authorSummarySchema,
    text: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Reply' });

export type PublicReply = z.infer<typeof publicReplySchema>;

/** authors by id; one missing (a deleted account) shows as "[deleted]" */
export type Authors = Map<string, AuthorSummary>;

export function toPublicPost(d: PostDoc, authors: Authors, likedByMe: boolean): PublicPost {
  return {
    id: d._id.toHexString(),
    author: authorOf(d.postedBy, authors),
    text: d.text,
    likesCount: d.likesCount,
    repliesCount: d.repliesCount,
    likedByMe,
    createdAt: d.createdAt.toISOString(),
  };
}

export function toPublicReply(d: ReplyDoc, authors: Authors): PublicReply {
  return {
    id: d._id.toHexString(),
    postId: d.post.toHexString(),
    author: authorOf(d.postedBy, authors),
    text: d.text,
    createdAt: d.createdAt.toISOString(),
  };
}

function authorOf(id: Types.ObjectId, authors: Authors): AuthorSummary {
  return authors.get(id.toHexString()) ?? { id: id.toHexString(), username: '[deleted]', name: '' };
}
