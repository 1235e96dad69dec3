import { z } from 'zod';
import { pageOf } from '../../pagination/page-of';
import { pageQuery } from '../../pagination/page-request';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { bio, displayName } from '../../validation/display-name';
import { idParams } from '../../validation/object-id';
import { userIdOf } from './user-id-of';
import type { UserService } from './user-service';
import { publicUserSchema } from './user-view';

// usernames are stored lower-case and an id is read as lower case, so either form resolves
const idOrUsernameParams = z.object({ idOrUsername: z.string().min(1).max(30).toLowerCase() });
const patchBody = z
  .strictObject({
    name: displayName.optional(),
    bio: bio.optional(),
  })
  .refine((b) => b.name !== undefined || b.bio !== undefined, { message: 'name or bio is required' });

const oneUser = { description: 'the user', schema: z.object({ user: publicUserSchema }) };
const followState = {
  description: 'the follow state after the call (idempotent)',
  schema: z.object({ following: z.boolean(), followersCount: z.number().int() }),
};
const userPage = { description: 'a page of users', schema: pageOf('users', publicUserSchema) };

export const usersApi = defineApi({
  prefix: '/api/users',
  tag: 'users',
  access: 'user',
  routes: {
    updateMe: {
      method: 'patch',
      path: '/me',
      summary: "Change the caller's name or bio",
      body: patchBody,
      responses: { 200: oneUser },
    },
    profile: {
      method: 'get',
      path: '/:idOrUsername',
      summary: 'A profile by id or username (isFollowing for the caller)',
      params: idOrUsernameParams,
      responses: { 200: oneUser },
    },
    follow: {
      method: 'put',
      path: '/:id/follow',
      summary: 'Follow (400 on self)',
      params: idParams,
      responses: { 200: followState },
    },
    unfollow: {
      method: 'delete',
      path: '/:id/follow',
      summary: 'Unfollow',
      params: idParams,
      responses: { 200: followState },
    },
    followers: {
      method: 'get',
      path: '/:id/followers',
      summary: 'Who follows the user',
      params: idParams,
      query: pageQuery,
      responses: { 200: userPage },
    },
    following: {
      method: 'get',
      path: '/:id/following',
      summary: 'Whom the user follows',
      params: idParams,
      query: pageQuery,
      responses: { 200: userPage },
    },
  },
});

export function usersRoutes(deps: { users: UserService }) {
  return routerFor(usersApi, {
    updateMe: async (req, res, { body }) => {
      res.json({ user: await deps.users.updateMe(userIdOf(req), body) });
    },
    profile: async (req, res, { params }) => {
      res.json({ user: await deps.users.getProfile(params.idOrUsername, userIdOf(req)) });
    },
    follow: async (req, res, { params }) => {
      res.json(await deps.users.follow(userIdOf(req), params.id));
    },
    unfollow: async (req, res, { params }) => {
      res.json(await deps.users.unfollow(userIdOf(req), params.id));
    },
    followers: async (_req, res, { params, query }) => {
      const page = await deps.users.listFollowers(params.id, query);
      res.json({ users: page.items, nextCursor: page.nextCursor });
    },
    following: async (_req, res, { params, query }) => {
      const page = await deps.users.listFollowing(params.id, query);
      res.json({ users: page.items, nextCursor: page.nextCursor });
    },
  });
}
