import type { RequestHandler } from 'express';
import { z } from 'zod';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { displayName } from '../../validation/display-name';
import { username } from '../../validation/username';
import type { AuthService } from './auth-service';
import { userIdOf } from './user-id-of';
import { publicUserSchema } from './user-view';

const registerBody = z.strictObject({
  username,
  email: z.email().max(254),
  password: z.string().min(8).max(128),
  name: displayName.optional(),
});

const loginBody = z.strictObject({
  login: z.string().min(1).max(254).meta({ description: 'username or email' }),
  password: z.string().min(1).max(128),
});

const passwordBody = z.strictObject({
  currentPassword: z.string().min(1).max(128),
  newPassword: z.string().min(8).max(128),
});

const deleteAccountBody = z.strictObject({
  password: z.string().min(1).max(128).meta({ description: 'the current password' }),
});

const session = z
  .object({
    user: publicUserSchema,
    token: z.string().meta({ description: 'bearer JWT for /api and Socket.IO' }),
  })
  .meta({ id: 'Session' });

export const authApi = defineApi({
  prefix: '/api/auth',
  tag: 'auth',
  access: 'user',
  routes: {
    register: {
      method: 'post',
      path: '/register',
      summary:
        'Create an account (409 on a taken username or email, 400 WEAK_PASSWORD on a trivial or common password)',
      access: 'public',
      body: registerBody,
      responses: { 201: { description: 'the new user and a token', schema: session } },
    },
    login: {
      method: 'post',
      path: '/login',
      summary: 'Log in with username or email',
      access: 'public',
      body: loginBody,
      responses: { 200: { description: 'the user and a token', schema: session } },
    },
    me: {
      method: 'get',
      path: '/me',
      summary: "The caller's own profile (with email)",
      responses: { 200: { description: 'the user', schema: z.object({ user: publicUserSchema }) } },
    },
    logout: {
      method: 'post',
      path: '/logout',
      summary: 'Revoke every token of the user (their sockets get session:revoked)',
      responses: { 204: { description: 'logged out everywhere' } },
    },
    password: {
      method: 'post',
      path: '/password',
      summary:
        'Change the password (400 WEAK_PASSWORD on a trivial or common one); every other token is revoked',
      body: passwordBody,
      responses: {
        200: { description: 'a fresh token for this client', schema: z.object({ token: z.string() }) },
      },
    },
    deleteAccount: {
      method: 'delete',
      path: '/account',
      summary:
        'Delete the account (401 on a wrong password): its data is removed or anonymised as docs/security.md says, every token is revoked and every socket closed',
      body: deleteAccountBody,
      responses: { 204: { description: 'the account is gone' } },
    },
  },
});

export function authRoutes(deps: {
  auth: AuthService;
  /** modules/accounts (which imports this module, so named by shape here) */
  accounts: { deleteAccount(userId: string, password: string): Promise<void> };
  requireAuth: RequestHandler;
}) {
  const before = [deps.requireAuth];
  return routerFor(authApi, {
    register: async (_req, res, { body }) => {
      res.status(201).json(await deps.auth.register(body));
    },
    login: async (_req, res, { body }) => {
      res.json(await deps.auth.login(body.login, body.password));
    },
    me: {
      before,
      handle: async (req, res) => {
        res.json({ user: await deps.auth.me(userIdOf(req)) });
      },
    },
    logout: {
      before,
      handle: async (req, res) => {
        await deps.auth.logout(userIdOf(req));
        res.status(204).end();
      },
    },
    password: {
      before,
      handle: async (req, res, { body }) => {
        res.json(await deps.auth.changePassword(userIdOf(req), body.currentPassword, body.newPassword));
      },
    },
    deleteAccount: {
      before,
      handle: async (req, res, { body }) => {
        await deps.accounts.deleteAccount(userIdOf(req), body.password);
        res.status(204).end();
      },
    },
  });
}
