import { pageOf } from '../../pagination/page-of';
import { pageQuery } from '../../pagination/page-request';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { idParams } from '../../validation/object-id';
import { userIdOf } from '../users/user-id-of';
import type { PostService } from './post-service';
import { publicPostSchema } from './post-view';

/** A profile's posts: under /api/users with the profile, served by the posts domain. */
export const authorPostsApi = defineApi({
  prefix: '/api/users',
  tag: 'users',
  access: 'user',
  routes: {
    posts: {
      method: 'get',
      path: '/:id/posts',
      summary: "The user's posts, newest first",
      params: idParams,
      query: pageQuery,
      responses: { 200: { description: 'a page of posts', schema: pageOf('posts', publicPostSchema) } },
    },
  },
});

export function authorPostsRoutes(deps: { posts: PostService }) {
  return routerFor(authorPostsApi, {
    posts: async (req, res, { params, query }) => {
      const page = await deps.posts.listByAuthor(params.id, userIdOf(req), query);
      res.json({ posts: page.items, nextCursor: page.nextCursor });
    },
  });
}
