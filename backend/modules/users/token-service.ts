import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../../errors/app-error';

export interface TokenService {
  sign(userId: string): string;
  /** Throws UnauthorizedError on anything but a valid, unexpired HS256 token from us. */
  verify(token: string): { userId: string; expiresAt?: Date };
}

export function createTokenService(opts: {
  secret: string;
  expiresIn: string;
  issuer: string;
}): TokenService {
  const expiresIn = /^\d+$/.test(opts.expiresIn) ? Number(opts.expiresIn) : opts.expiresIn;
  return {
    sign: (userId) =>
      jwt.sign({}, opts.secret, {
        algorithm: 'HS256',
        subject: userId,
        issuer: opts.issuer,
        expiresIn: expiresIn as jwt.SignOptions['expiresIn'],
      }),
    verify: (token) => {
      try {
        // The algorithm is pinned: "alg: none" and RS/HS confusion tokens are rejected.
        const payload = jwt.verify(token, opts.secret, { algorithms: ['HS256'], issuer: opts.issuer });
        if (
          typeof payload === 'string' ||
          typeof payload.sub !== 'string' ||
          !/^[0-9a-f]{24}$/.test(payload.sub)
        )
          throw new Error('bad subject');
        return {
          userId: payload.sub,
          ...(typeof payload.exp === 'number' ? { expiresAt: new Date(payload.exp * 1000) } : {}),
        };
      } catch (err) {
        const expired = err instanceof jwt.TokenExpiredError;
        throw new UnauthorizedError(expired ? 'Token expired' : 'Invalid token');
      }
    },
  };
}
