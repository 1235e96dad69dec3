import type { RequestHandler } from 'express';
import { UnauthorizedError } from './app-error';

declare global {
  namespace Express {
    interface Request {
      /** set by requireAuth; routes behind it can rely on it */
      auth?: { userId: string };
    }
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

export function requireAuth(verify: (token: string) => { userId: string }): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) return next(new UnauthorizedError());
    req.auth = verify(token);
    next();
  };
}

/** The authenticated user's id; only call behind requireAuth. */
export function userIdOf(req: { auth?: { userId: string } }): string {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth.userId;
}
