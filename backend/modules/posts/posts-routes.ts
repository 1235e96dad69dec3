import { Router } from 'express';
import { z } from 'zod';
import { pageQuery } from '../../pagination/page-request';
import { idParams } from '../../validation/object-id';
import { parseInput } from '../../validation/parse-input';
import { userIdOf } from '../users/user-id-of';
import type { PostService } from './post-service';

const textBody = z.strictObject({ text: z.string().trim().min(1).max(500) });

export function postsRoutes(deps: { posts: PostService }): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const { text } = parseInput(textBody, req.body, 'body');
    res.status(201).json({ post: await deps.posts.create(userIdOf(req), text) });
  });
  r.get('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json({ post: await deps.posts.get(id, userIdOf(req)) });
  });
  r.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    await deps.posts.remove(id, userIdOf(req));
    res.status(204).end();
  });
  r.put('/:id/like', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await deps.posts.like(id, userIdOf(req)));
  });
  r.delete('/:id/like', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await deps.posts.unlike(id, userIdOf(req)));
  });
  r.post('/:id/replies', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const { text } = parseInput(textBody, req.body, 'body');
    res.status(201).json({ reply: await deps.posts.reply(id, userIdOf(req), text) });
  });
  r.get('/:id/replies', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const page = await deps.posts.listReplies(id, parseInput(pageQuery, req.query, 'query'));
    res.json({ replies: page.items, nextCursor: page.nextCursor });
  });
  return r;
}
