import type { Types } from 'mongoose';
import type { PostDoc } from './post-model';
import type { ReplyDoc } from './reply-model';

export interface AuthorSummary {
  id: string;
  username: string;
  name: string;
}

export interface PublicPost {
  id: string;
  author: AuthorSummary;
  text: string;
  likesCount: number;
  repliesCount: number;
  likedByMe: boolean;
  createdAt: string;
}

export interface PublicReply {
  id: string;
  postId: string;
  author: AuthorSummary;
  text: string;
  createdAt: string;
}

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
