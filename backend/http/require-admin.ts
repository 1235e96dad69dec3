import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors/app-error';
import { bearerToken } from './require-auth';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer ADMIN_TOKEN, compared in constant time (hashing first makes the lengths equal).
 * No token configured = the admin API is off: 403 for everyone.
 */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  const expected = adminToken ? digest(adminToken) : undefined;
  return (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(new UnauthorizedError('Admin token required'));
    if (!expected) return next(new ForbiddenError('Admin API is disabled (ADMIN_TOKEN is not set)'));
    if (!timingSafeEqual(digest(token), expected)) return next(new ForbiddenError('Wrong admin token'));
    next();
  };
}
