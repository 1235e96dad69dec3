import { Router } from 'express';
import { z } from 'zod';
import { pageQuery } from '../../pagination/page-request';
import { idParams } from '../../validation/object-id';
import { parseInput } from '../../validation/parse-input';
import type { PostService } from '../posts/post-service';
import { userIdOf } from './user-id-of';
import type { UserService } from './user-service';

const idOrUsernameParams = z.object({ idOrUsername: z.string().min(1).max(30) });
const patchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(50).optional(),
    bio: z.string().trim().max(300).optional(),
  })
  .refine((b) => b.name !== undefined || b.bio !== undefined, { message: 'name or bio is required' });

export function usersRoutes(deps: { users: UserService; posts: PostService }): Router {
  const r = Router();
  r.patch('/me', async (req, res) => {
    const body = parseInput(patchBody, req.body, 'body');
    res.json({ user: await deps.users.updateMe(userIdOf(req), body) });
  });
  r.get('/:idOrUsername', async (req, res) => {
    const { idOrUsername } = parseInput(idOrUsernameParams, req.params, 'params');
    res.json({ user: await deps.users.getProfile(idOrUsername, userIdOf(req)) });
  });
  r.put('/:id/follow', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await deps.users.follow(userIdOf(req), id));
  });
  r.delete('/:id/follow', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await deps.users.unfollow(userIdOf(req), id));
  });
  r.get('/:id/followers', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const page = await deps.users.listFollowers(id, parseInput(pageQuery, req.query, 'query'));
    res.json({ users: page.items, nextCursor: page.nextCursor });
  });
  r.get('/:id/following', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const page = await deps.users.listFollowing(id, parseInput(pageQuery, req.query, 'query'));
    res.json({ users: page.items, nextCursor: page.nextCursor });
  });
  r.get('/:id/posts', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const page = await deps.posts.listByAuthor(id, userIdOf(req), parseInput(pageQuery, req.query, 'query'));
    res.json({ posts: page.items, nextCursor: page.nextCursor });
  });
  return r;
}
