import { z } from 'zod';
import { pageOf } from '../../pagination/page-of';
import { pageQuery } from '../../pagination/page-request';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { idParams } from '../../validation/object-id';
import { userIdOf } from '../users/user-id-of';
import type { PostService } from './post-service';
import { publicPostSchema, publicReplySchema } from './post-view';

const textBody = z.strictObject({ text: z.string().trim().min(1).max(500) });
const likeState = {
  description: 'the like state after the call (idempotent)',
  schema: z.object({ liked: z.boolean(), likesCount: z.number().int() }),
};

export const postsApi = defineApi({
  prefix: '/api/posts',
  tag: 'posts',
  access: 'user',
  routes: {
    create: {
      method: 'post',
      path: '/',
      summary: 'Post',
      body: textBody,
      responses: { 201: { description: 'posted', schema: z.object({ post: publicPostSchema }) } },
    },
    get: {
      method: 'get',
      path: '/:id',
      summary: 'A post',
      params: idParams,
      responses: { 200: { description: 'the post', schema: z.object({ post: publicPostSchema }) } },
    },
    remove: {
      method: 'delete',
      path: '/:id',
      summary: 'Delete a post (author only)',
      params: idParams,
      responses: { 204: { description: 'deleted' } },
    },
    like: {
      method: 'put',
      path: '/:id/like',
      summary: 'Like',
      params: idParams,
      responses: { 200: likeState },
    },
    unlike: {
      method: 'delete',
      path: '/:id/like',
      summary: 'Unlike',
      params: idParams,
      responses: { 200: likeState },
    },
    reply: {
      method: 'post',
      path: '/:id/replies',
      summary: 'Reply to a post',
      params: idParams,
      body: textBody,
      responses: { 201: { description: 'replied', schema: z.object({ reply: publicReplySchema }) } },
    },
    replies: {
      method: 'get',
      path: '/:id/replies',
      summary: 'Replies to a post, newest first',
      params: idParams,
      query: pageQuery,
      responses: { 200: { description: 'a page of replies', schema: pageOf('replies', publicReplySchema) } },
    },
  },
});

export function postsRoutes(deps: { posts: PostService }) {
  return routerFor(postsApi, {
    create: async (req, res, { body }) => {
      res.status(201).json({ post: await deps.posts.create(userIdOf(req), body.text) });
    },
    get: async (req, res, { params }) => {
      res.json({ post: await deps.posts.get(params.id, userIdOf(req)) });
    },
    remove: async (req, res, { params }) => {
      await deps.posts.remove(params.id, userIdOf(req));
      res.status(204).end();
    },
    like: async (req, res, { params }) => {
      res.json(await deps.posts.like(params.id, userIdOf(req)));
    },
    unlike: async (req, res, { params }) => {
      res.json(await deps.posts.unlike(params.id, userIdOf(req)));
    },
    reply: async (req, res, { params, body }) => {
      res.status(201).json({ reply: await deps.posts.reply(params.id, userIdOf(req), body.text) });
    },
    replies: async (_req, res, { params, query }) => {
      const page = await deps.posts.listReplies(params.id, query);
      res.json({ replies: page.items, nextCursor: page.nextCursor });
    },
  });
}
