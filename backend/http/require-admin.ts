import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AdminToken } from '../config/admin-tokens';
import { ForbiddenError, UnauthorizedError } from '../errors/app-error';
import { bearerToken } from './require-auth';

declare global {
  namespace Express {
    interface Request {
      /** set by requireAdmin: the name of the admin token used (the audit's "who") */
      adminName?: string;
    }
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Which named token a bearer value is, compared in constant time against every entry (hashing
 * first makes the lengths equal; no early exit, so timing tells nothing about which matched).
 */
export function tokenMatcher(tokens: AdminToken[]): (presented: string | undefined) => string | undefined {
  const expected = tokens.map((t) => ({ name: t.name, hash: digest(t.token) }));
  return (presented) => {
    if (presented === undefined) return undefined;
    const hash = digest(presented);
    let name: string | undefined;
    for (const e of expected) if (timingSafeEqual(hash, e.hash) && name === undefined) name = e.name;
    return name;
  };
}

/**
 * Bearer admin token (ADMIN_TOKENS by name, or ADMIN_TOKEN as "admin"). None configured = the
 * admin API is off: 403 for everyone.
 */
export function requireAdmin(tokens: AdminToken[]): RequestHandler {
  const match = tokenMatcher(tokens);
  return (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(new UnauthorizedError('Admin token required'));
    if (tokens.length === 0)
      return next(new ForbiddenError('Admin API is disabled (no ADMIN_TOKEN or ADMIN_TOKENS)'));
    const name = match(token);
    if (name === undefined) return next(new ForbiddenError('Wrong admin token'));
    req.adminName = name;
    next();
  };
}
