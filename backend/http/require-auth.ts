import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../errors/app-error';
import '../modules/users/user-id-of';

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * Sets req.auth for the routes behind it; they read it with userIdOf (modules/users/user-id-of.ts).
 * The bearer token must be a live session (sessions/authenticator: signature, claims, version).
 */
export function requireAuth(authenticate: (token: string) => Promise<{ userId: string }>): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(new UnauthorizedError());
    const { userId } = await authenticate(token);
    req.auth = { userId };
    next();
  };
}
