import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../../backend/errors/app-error';
import { createTokenService } from '../../backend/modules/users/token-service';

const opts = {
  secret: 's'.repeat(40),
  expiresIn: '1h',
  issuer: 'social-scale',
  audience: 'social-scale:api',
};
const tokens = createTokenService(opts);
const userId = '0123456789abcdef01234567';
const claims = (extra: object = {}) => ({ ver: 0, ...extra });

describe('When tokens are signed and verified', () => {
  it('then a fresh token names its user, version and audience and expires in the configured time', () => {
    const t = tokens.sign(userId, 3);
    const payload = jwt.decode(t) as { exp: number; iat: number; iss: string; aud: string; ver: number };
    // expiresAt lets a socket close when its token dies
    expect(tokens.verify(t)).toEqual({ userId, version: 3, expiresAt: new Date(payload.exp * 1000) });
    expect(payload.exp - payload.iat).toBe(3600);
    expect(payload.iss).toBe('social-scale');
    expect(payload.aud).toBe('social-scale:api');
    expect(JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
  });

  it('then a number of seconds works as expiry', () => {
    const t = createTokenService({ ...opts, expiresIn: '90' }).sign(userId, 0);
    const p = jwt.decode(t) as { exp: number; iat: number };
    expect(p.exp - p.iat).toBe(90);
  });

  const sign = (payload: object, o: jwt.SignOptions) =>
    jwt.sign(payload, opts.secret, { issuer: 'social-scale', audience: 'social-scale:api', ...o });
  it.each([
    ['HS512 with the same secret', sign(claims(), { algorithm: 'HS512', subject: userId })],
    ['a non-id subject', sign(claims(), { subject: 'admin' })],
    ['no subject', sign(claims({ foo: 1 }), {})],
    ['another issuer', sign(claims(), { subject: userId, issuer: 'other' })],
    ['another audience', sign(claims(), { subject: userId, audience: 'other' })],
    ['no audience', jwt.sign(claims(), opts.secret, { subject: userId, issuer: 'social-scale' })],
    ['no version', sign({}, { subject: userId })],
    ['a version that is not a count', sign({ ver: '1' }, { subject: userId })],
    [
      'alg none',
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: userId, ver: 0, iss: 'social-scale', aud: 'social-scale:api' }),
      ).toString('base64url')}.`,
    ],
  ])('then %s is refused', (_name, token) => {
    expect(() => tokens.verify(token)).toThrow(UnauthorizedError);
  });
});
