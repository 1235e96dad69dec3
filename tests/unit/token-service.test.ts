import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../../backend/errors/app-error';
import { createTokenService } from '../../backend/modules/users/token-service';

const opts = { secret: 's'.repeat(40), expiresIn: '1h', issuer: 'social-scale' };
const tokens = createTokenService(opts);
const userId = '0123456789abcdef01234567';

describe('When tokens are signed and verified', () => {
  it('then a fresh token names its user and expires in the configured time', () => {
    const t = tokens.sign(userId);
    const payload = jwt.decode(t) as { exp: number; iat: number; iss: string };
    // expiresAt lets a socket close when its token dies
    expect(tokens.verify(t)).toEqual({ userId, expiresAt: new Date(payload.exp * 1000) });
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.iss).toBe('social-scale');
    expect(JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
  });

  it('then a number of seconds works as expiry', () => {
    const t = createTokenService({ ...opts, expiresIn: '90' }).sign(userId);
    const p = jwt.decode(t) as { exp: number; iat: number };
    expect(p.exp - p.iat).toBe(90);
  });

  it.each([
    [
      'HS512 with the same secret',
      jwt.sign({}, opts.secret, { algorithm: 'HS512', subject: userId, issuer: 'social-scale' }),
    ],
    ['a non-id subject', jwt.sign({}, opts.secret, { subject: 'admin', issuer: 'social-scale' })],
    ['no subject', jwt.sign({ foo: 1 }, opts.secret, { issuer: 'social-scale' })],
    ['another issuer', jwt.sign({}, opts.secret, { subject: userId, issuer: 'other' })],
  ])('then %s is refused', (_name, token) => {
    expect(() => tokens.verify(token)).toThrow(UnauthorizedError);
  });
});
