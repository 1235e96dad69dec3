import { pageOf } from '../../pagination/page-of';
import { pageQuery } from '../../pagination/page-request';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { userIdOf } from '../users/user-id-of';
import type { PostService } from './post-service';
import { publicPostSchema } from './post-view';

export const feedApi = defineApi({
  prefix: '/api/feed',
  tag: 'posts',
  access: 'user',
  routes: {
    feed: {
      method: 'get',
      path: '/',
      summary: 'Posts by followed users and the caller, newest first',
      query: pageQuery,
      responses: { 200: { description: 'a page of posts', schema: pageOf('posts', publicPostSchema) } },
    },
  },
});

export function feedRoutes(deps: { posts: PostService }) {
  return routerFor(feedApi, {
    feed: async (req, res, { query }) => {
      const page = await deps.posts.feed(userIdOf(req), query);
      res.json({ posts: page.items, nextCursor: page.nextCursor });
    },
  });
}
