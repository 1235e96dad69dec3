import jwt from 'jsonwebtoken';
import { TEST_JWT_SECRET } from '../../support/test-env';

const ISSUER = 'social-scale';
const AUDIENCE = 'social-scale:api';

const unsigned = (payload: object) =>
  `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;

/** Tokens for `userId` that must each be refused (401) on every user route and handshake. */
export function badTokens(userId: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const good = { sub: userId, ver: 0, iss: ISSUER, aud: AUDIENCE };
  return {
    malformed: 'not.a.jwt',
    garbage: 'Zm9vYmFy',
    expired: jwt.sign({ ...good, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET, { algorithm: 'HS256' }),
    'wrong issuer': jwt.sign({ ...good, iss: 'someone-else' }, TEST_JWT_SECRET, { expiresIn: 600 }),
    'wrong audience': jwt.sign({ ...good, aud: 'another-app' }, TEST_JWT_SECRET, { expiresIn: 600 }),
    'no audience': jwt.sign({ sub: userId, ver: 0, iss: ISSUER }, TEST_JWT_SECRET, { expiresIn: 600 }),
    'alg none': unsigned({ ...good, exp: now + 600 }),
    'other secret': jwt.sign(good, 'another-secret-0123456789abcdef0123456789', { expiresIn: 600 }),
    'future version': jwt.sign({ ...good, ver: 99 }, TEST_JWT_SECRET, { expiresIn: 600 }),
  };
}
