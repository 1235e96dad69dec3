import { registerUser, type TestUser } from '../support/api-users';
import { connectError, request, SocketClients } from '../support/socket-clients';
import { badTokens } from './support/bad-tokens';
import { errorShapeProblem } from './support/contract-shape';
import { rawRequest } from './support/raw-request';
import { isAdminRoute, isPublic, type RouteEntry, routeName } from './support/route-table';
import { createSecurityScene, fillPath, type SecurityScene, victimParams } from './support/security-scene';

/**
 * Every route and event × every kind of credential: none, malformed, expired, wrong issuer,
 * wrong audience, alg none, revoked, another user's, the admin token on user routes and a user
 * token on admin routes. Each answers the contracted 401/403/404 (or, with another user's
 * valid token, what that user may see), and no response carries a byte of the victims' data.
 */
let scene: SecurityScene;
let revoked: TestUser;
const clients = new SocketClients(() => scene.url);
const cells = { checked: 0 };

beforeAll(async () => {
  scene = await createSecurityScene();
  revoked = await registerUser(scene.t.http);
  await scene.t.http.post('/api/auth/logout').set(revoked.auth).expect(204);
});
afterAll(async () => {
  process.stderr.write(`authorization-matrix: ${cells.checked} route/event × credential cells\n`);
  clients.closeAll();
  await scene.close();
});

const BODIES: Record<string, object> = {
  'POST /api/posts': { text: 'hello' },
  'POST /api/posts/:id/replies': { text: 'hello' },
  'POST /api/messages': { recipientId: '', text: 'hello', clientId: 'm1' },
  'PATCH /api/users/me': { name: 'x' },
  'POST /api/notifications/read': { all: true },
  'POST /api/auth/password': { currentPassword: 'correct horse battery', newPassword: 'another passphrase' },
  'POST /admin/flags': { flag: 'cache.ttlSeconds', value: 60 },
};

async function call(route: RouteEntry, authorization: string | undefined, params?: Record<string, string>) {
  const body = BODIES[routeName(route)];
  const withRecipient = body && 'recipientId' in body ? { ...body, recipientId: scene.alice.id } : body;
  return rawRequest(`${scene.url}${fillPath(route, params ?? victimParams(scene, route))}`, {
    method: route.method,
    headers: {
      'content-type': 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: withRecipient ? JSON.stringify(withRecipient) : undefined,
  });
}

function leaks(text: string): string[] {
  return scene.markers.filter((m) => text.includes(m));
}

describe('When user routes get a credential that is not a live session', () => {
  it('then every one answers 401 UNAUTHORIZED in the contract shape and leaks nothing', async () => {
    const problems: string[] = [];
    const variants: Record<string, string | undefined> = {
      none: undefined,
      'not bearer': `Basic ${Buffer.from('a:b').toString('base64')}`,
      ...Object.fromEntries(Object.entries(badTokens(scene.alice.id)).map(([k, v]) => [k, `Bearer ${v}`])),
      revoked: `Bearer ${revoked.token}`,
      'admin token': `Bearer ${scene.adminToken}`,
    };
    for (const route of scene.routes.filter((r) => !isPublic(r) && !isAdminRoute(r))) {
      for (const [name, authorization] of Object.entries(variants)) {
        cells.checked += 1;
        const res = await call(route, authorization);
        const shape = errorShapeProblem(res.body);
        const code = (res.body as { error?: { code?: string } })?.error?.code;
        if (res.status !== 401 || code !== 'UNAUTHORIZED' || shape || leaks(res.text).length > 0)
          problems.push(`${routeName(route)} with ${name}: ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('When admin routes get anything but an admin token', () => {
  it('then no token is 401 and any other bearer (a user token included) is 403', async () => {
    const problems: string[] = [];
    const bearers: Record<string, string> = {
      'user token': scene.bob.token,
      ...badTokens(scene.alice.id),
      revoked: revoked.token,
      'admin token with a suffix': `${scene.adminToken}x`,
    };
    for (const route of scene.routes.filter(isAdminRoute)) {
      cells.checked += 1;
      const none = await call(route, undefined);
      if (none.status !== 401 || errorShapeProblem(none.body))
        problems.push(`${routeName(route)} without a token: ${none.status}`);
      for (const [name, token] of Object.entries(bearers)) {
        cells.checked += 1;
        const res = await call(route, `Bearer ${token}`);
        if (res.status !== 403 || errorShapeProblem(res.body))
          problems.push(`${routeName(route)} with ${name}: ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("When a signed-in user aims at another user's resources", () => {
  it('then owner-only routes answer 403 or 404, nothing answers 5xx, and no response carries the victims’ private data', async () => {
    const problems: string[] = [];
    for (const route of scene.routes.filter((r) => !isPublic(r) && !isAdminRoute(r))) {
      // a fresh attacker per route, so logout or a password change cannot spoil the next cell
      const mallory = await registerUser(scene.t.http);
      cells.checked += 1;
      const res = await call(route, `Bearer ${mallory.token}`);
      const leaked = leaks(res.text);
      if (res.status >= 500 || leaked.length > 0)
        problems.push(`${routeName(route)}: ${res.status} leaked ${leaked.join(',')}`);
    }
    const expectations: Array<[string, string, number]> = [
      ['DELETE', `/api/posts/${scene.ids.alicePost}`, 403],
      ['GET', `/api/conversations/${scene.ids.aliceCarolConversation}/messages`, 404],
      ['POST', `/api/conversations/${scene.ids.aliceCarolConversation}/seen`, 404],
    ];
    for (const [method, path, status] of expectations) {
      const res = await rawRequest(`${scene.url}${path}`, { method, headers: scene.bob.auth });
      if (res.status !== status) problems.push(`${method} ${path}: ${res.status}, wanted ${status}`);
    }
    const profile = await rawRequest(`${scene.url}/api/users/${scene.alice.id}`, {
      method: 'GET',
      headers: scene.bob.auth,
    });
    expect(profile.status).toBe(200);
    expect((profile.body as { user: object }).user).not.toHaveProperty('email');
    expect(problems).toEqual([]);
  });
});

describe('When a socket handshake carries a credential that is not a live session', () => {
  it('then each one fails with connect_error UNAUTHORIZED', async () => {
    const tokens: Record<string, string | undefined> = {
      none: undefined,
      ...badTokens(scene.alice.id),
      revoked: revoked.token,
      'admin token': scene.adminToken,
    };
    for (const [name, token] of Object.entries(tokens)) {
      cells.checked += 1;
      const err = await connectError(clients.open({ token }));
      expect([name, err.message]).toEqual([name, 'UNAUTHORIZED']);
    }
  });

  it("then a signed-in user's events cannot reach another user's conversation or data", async () => {
    const bob = await clients.connect(scene.bob.token);
    const seen = await request(bob, 'message:seen', { conversationId: scene.ids.aliceCarolConversation });
    expect(seen).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const sync = await request(bob, 'sync', { since: new Date(0).toISOString() });
    expect(sync.ok).toBe(true);
    expect(leaks(JSON.stringify(sync))).toEqual([]);
    const presence = await request(bob, 'presence:query', { userIds: [scene.alice.id, scene.carol.id] });
    expect(presence).toEqual({ ok: true, online: { [scene.alice.id]: false, [scene.carol.id]: false } });
    cells.checked += 3;
  });
});
