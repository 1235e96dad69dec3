import jwt from 'jsonwebtoken';
import { registerUser, type TestUser } from '../support/api-users';
import { connectError, SocketClients } from '../support/socket-clients';
import { TEST_JWT_SECRET } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Tokens must carry exp, and a lifetime above the configured maximum (24 h) is refused even
 * when the secret signed it: a leaked token of that kind would otherwise live for ever.
 */
let t: TestServer;
let u: TestUser;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({ JWT_SECRET: TEST_JWT_SECRET });
  u = await registerUser(t.http);
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

const claims = () => ({ ver: 0, sub: u.id, iss: 'social-scale', aud: 'social-scale:api' });
/** signed with the payload's iat (jsonwebtoken adds one when it has none, unless told not to) */
const sign = (payload: object, opts: { noIat?: boolean } = {}) =>
  jwt.sign(payload, TEST_JWT_SECRET, { algorithm: 'HS256', noTimestamp: opts.noIat ?? false });
const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(token: string): Promise<void> {
  const res = await t.http.get('/api/auth/me').set({ Authorization: `Bearer ${token}` });
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('UNAUTHORIZED');
  const err = await connectError(clients.open({ token }));
  expect(err.message).toBe('UNAUTHORIZED');
}

describe('When a token signed with the real secret carries no exp', () => {
  it('then REST answers 401 UNAUTHORIZED and a socket handshake is refused', async () => {
    await expectRefused(sign({ ...claims(), iat: now() }));
    await expectRefused(sign(claims(), { noIat: true }));
  });
});

describe('When a token signed with the real secret expires in 10 years', () => {
  it('then REST answers 401 UNAUTHORIZED and a socket handshake is refused', async () => {
    await expectRefused(sign({ ...claims(), iat: now(), exp: now() + 10 * 365 * 86400 }));
  });
});

describe('When a token was issued more than 24 h ago but its exp is still ahead', () => {
  it('then it is refused (maxAge is the configured maximum lifetime)', async () => {
    await expectRefused(sign({ ...claims(), iat: now() - 25 * 3600, exp: now() + 3600 }));
  });
});

describe('When a token has no iat', () => {
  it('then it is refused: its lifetime cannot be checked', async () => {
    await expectRefused(sign({ ...claims(), exp: now() + 3600 }, { noIat: true }));
  });
});

describe('When a token carries exp within the maximum lifetime', () => {
  it('then REST and the socket handshake accept it, as they accept the one register issued', async () => {
    for (const token of [u.token, sign({ ...claims(), iat: now(), exp: now() + 24 * 3600 })]) {
      await t.http
        .get('/api/auth/me')
        .set({ Authorization: `Bearer ${token}` })
        .expect(200);
      const socket = await clients.connect(token);
      expect(socket.connected).toBe(true);
      socket.disconnect();
    }
  });
});
