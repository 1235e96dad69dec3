import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../config/token-lifetime';
import { UnauthorizedError } from '../../errors/app-error';

export interface VerifiedToken {
  userId: string;
  /** the user's session version when the token was issued; logout and password changes move it */
  version: number;
  expiresAt?: Date;
}

export interface TokenService {
  sign(userId: string, version: number): string;
  /**
   * Throws UnauthorizedError on anything but a valid, unexpired HS256 token from us for our
   * audience. Does not know about revocation: sessions.authenticate adds the version check.
   */
  verify(token: string): VerifiedToken;
}

export function createTokenService(opts: {
  secret: string;
  expiresIn: string;
  issuer: string;
  audience: string;
  /** the longest lifetime (exp - iat) a token may have; default MAX_TOKEN_LIFETIME_SECONDS */
  maxLifetimeSeconds?: number;
}): TokenService {
  const maxLifetime = opts.maxLifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS;
  const expiresIn = /^\d+$/.test(opts.expiresIn) ? Number(opts.expiresIn) : opts.expiresIn;
  // A string secret makes jsonwebtoken try it as a public key (a thrown error) and then build a
  // secret key, on every call: most of a handshake's CPU. One KeyObject, built once.
  const key = createSecretKey(Buffer.from(opts.secret));
  return {
    sign: (userId, version) =>
      jwt.sign({ ver: version }, key, {
        algorithm: 'HS256',
        subject: userId,
        issuer: opts.issuer,
        audience: opts.audience,
        expiresIn: expiresIn as jwt.SignOptions['expiresIn'],
      }),
    verify: (token) => {
      try {
        // The algorithm is pinned: "alg: none" and RS/HS confusion tokens are rejected.
        const payload = jwt.verify(token, key, {
          algorithms: ['HS256'],
          issuer: opts.issuer,
          audience: opts.audience,
          // a token older than the configured maximum is refused, whatever its exp says
          maxAge: maxLifetime,
        });
        if (
          typeof payload === 'string' ||
          typeof payload.sub !== 'string' ||
          !/^[0-9a-f]{24}$/.test(payload.sub) ||
          !Number.isSafeInteger(payload.ver) ||
          (payload.ver as number) < 0 ||
          // jsonwebtoken accepts a token without exp: a signed token must still die
          typeof payload.exp !== 'number' ||
          typeof payload.iat !== 'number' ||
          payload.exp - payload.iat > maxLifetime
        )
          throw new Error('bad claims');
        return {
          userId: payload.sub,
          version: payload.ver as number,
          expiresAt: new Date(payload.exp * 1000),
        };
      } catch (err) {
        const expired = err instanceof jwt.TokenExpiredError;
        throw new UnauthorizedError(expired ? 'Token expired' : 'Invalid token');
      }
    },
  };
}
