import { Router } from 'express';
import { pageQuery } from '../../pagination/page-request';
import { parseInput } from '../../validation/parse-input';
import { userIdOf } from '../users/user-id-of';
import type { PostService } from './post-service';

export function feedRoutes(deps: { posts: PostService }): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const page = await deps.posts.feed(userIdOf(req), parseInput(pageQuery, req.query, 'query'));
    res.json({ posts: page.items, nextCursor: page.nextCursor });
  });
  return r;
}
