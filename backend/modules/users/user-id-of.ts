import { UnauthorizedError } from '../../errors/app-error';

declare global {
  namespace Express {
    interface Request {
      /** set by requireAuth (http/require-auth.ts); routes behind it can rely on it */
      auth?: { userId: string };
    }
  }
}

/** The authenticated user's id; only call behind requireAuth. */
export function userIdOf(req: { auth?: { userId: string } }): string {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth.userId;
}
