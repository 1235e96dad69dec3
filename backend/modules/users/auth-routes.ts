import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../../validation/parse-input';
import type { AuthService } from './auth-service';
import { userIdOf } from './user-id-of';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_]{3,30}$/, '3–30 characters of a–z, 0–9 and _');

const registerBody = z.strictObject({
  username: usernameSchema,
  email: z.email().max(254),
  password: z.string().min(8).max(128),
  name: z.string().trim().min(1).max(50).optional(),
});

const loginBody = z.strictObject({
  login: z.string().min(1).max(254),
  password: z.string().min(1).max(128),
});

const passwordBody = z.strictObject({
  currentPassword: z.string().min(1).max(128),
  newPassword: z.string().min(8).max(128),
});

export function authRoutes(deps: {
  auth: AuthService;
  requireAuth: import('express').RequestHandler;
}): Router {
  const r = Router();
  r.post('/register', async (req, res) => {
    const body = parseInput(registerBody, req.body, 'body');
    res.status(201).json(await deps.auth.register(body));
  });
  r.post('/login', async (req, res) => {
    const body = parseInput(loginBody, req.body, 'body');
    res.json(await deps.auth.login(body.login, body.password));
  });
  r.get('/me', deps.requireAuth, async (req, res) => {
    res.json({ user: await deps.auth.me(userIdOf(req)) });
  });
  r.post('/logout', deps.requireAuth, async (req, res) => {
    await deps.auth.logout(userIdOf(req));
    res.status(204).end();
  });
  r.post('/password', deps.requireAuth, async (req, res) => {
    const body = parseInput(passwordBody, req.body, 'body');
    res.json(await deps.auth.changePassword(userIdOf(req), body.currentPassword, body.newPassword));
  });
  return r;
}
