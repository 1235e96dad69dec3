import { Router } from 'express';
import { pageQuery, parseInput } from '../../http/parse-input';
import { userIdOf } from '../../http/require-auth';
import type { PostService } from './post-service';

export function feedRoutes(deps: { posts: PostService }): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const page = await deps.posts.feed(userIdOf(req), parseInput(pageQuery, req.query, 'query'));
    res.json({ posts: page.items, nextCursor: page.nextCursor });
  });
  return r;
}
