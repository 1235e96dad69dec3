import { request, SocketClients } from '../support/socket-clients';
import { OPERATOR_VALUES, POISON_KEYS } from './support/hostile-values';
import { rawRequest } from './support/raw-request';
import { isAdminRoute, isPublic, type RouteEntry, routeName } from './support/route-table';
import { createSecurityScene, fillPath, type SecurityScene, victimParams } from './support/security-scene';

/**
 * The injection corpus: Mongo operators ($ne, $gt, $where, $regex, $expr, …), dotted and
 * $-prefixed keys, __proto__ and constructor, in every body field, query parameter and event
 * field. A bypass is a login, a read of someone else's data, or a write that should have failed.
 */
let scene: SecurityScene;
const clients = new SocketClients(() => scene.url);
const tried = { http: 0, events: 0 };

beforeAll(async () => {
  scene = await createSecurityScene();
});
afterAll(async () => {
  process.stderr.write(`injection: ${tried.http} HTTP requests, ${tried.events} events\n`);
  clients.closeAll();
  await scene.close();
});

/** Valid bodies for the routes that take one: each field is replaced by each payload in turn. */
const VALID: Record<string, () => Record<string, unknown>> = {
  'POST /api/auth/register': () => ({
    username: `inj${Math.random().toString(36).slice(2, 9)}`,
    email: 'i@example.test',
    password: 'long enough pass',
  }),
  'POST /api/auth/login': () => ({ login: scene.alice.username, password: 'correct horse battery' }),
  'POST /api/auth/password': () => ({
    currentPassword: 'correct horse battery',
    newPassword: 'another passphrase',
  }),
  'PATCH /api/users/me': () => ({ name: 'n', bio: 'b' }),
  'POST /api/posts': () => ({ text: 'hello' }),
  'POST /api/posts/:id/replies': () => ({ text: 'hello' }),
  'POST /api/messages': () => ({ recipientId: scene.alice.id, text: 'hello', clientId: 'inj' }),
  'POST /api/notifications/read': () => ({ ids: [scene.ids.aliceNotification] }),
  'POST /admin/flags': () => ({ flag: 'cache.ttlSeconds', value: 60 }),
};

/** Payloads that are never a valid value of any field. */
const PAYLOADS: unknown[] = [
  ...OPERATOR_VALUES,
  { $gt: '' },
  { $ne: '' },
  [{ $ne: null }],
  { toString: 'x' },
  { valueOf: 1 },
];
const KEY_INJECTIONS = [...POISON_KEYS.filter((k) => k !== ''), 'text.$', '$text', 'password.$ne'];

/** bob signs in afresh per route: an injected body may be a valid logout that ends his session */
let bobAuth: Record<string, string>;
async function signInBob(): Promise<void> {
  const res = await scene.t.http
    .post('/api/auth/login')
    .send({ login: scene.bob.username, password: 'correct horse battery' });
  bobAuth = { Authorization: `Bearer ${res.body.token}` };
}

const authFor = (route: RouteEntry): Record<string, string> =>
  isAdminRoute(route) ? scene.adminAuth : isPublic(route) ? {} : bobAuth;

async function send(route: RouteEntry, body: unknown, query = '') {
  tried.http += 1;
  const path = fillPath(route, victimParams(scene, route)) + query;
  return rawRequest(`${scene.url}${path}`, {
    method: route.method,
    headers: { ...authFor(route), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const leaked = (text: string) => scene.markers.filter((m) => text.includes(m));

describe('When login fields carry operators', () => {
  it('then no combination logs in, and each is a 4xx', async () => {
    const login = scene.routes.find((r) => routeName(r) === 'POST /api/auth/login')!;
    const problems: string[] = [];
    for (const a of [...PAYLOADS, scene.alice.username, `${scene.alice.username}@example.test`])
      for (const b of [...PAYLOADS, 'wrong password']) {
        if (typeof a === 'string' && typeof b === 'string') continue;
        const res = await send(login, { login: a, password: b });
        if (res.status < 400 || res.status >= 500 || JSON.stringify(res.body).includes('token'))
          problems.push(`${JSON.stringify({ login: a, password: b })}: ${res.status}`);
      }
    const regexLogin = await send(login, { login: '.*', password: 'x'.repeat(8) });
    expect(regexLogin.status).toBe(401);
    expect(problems).toEqual([]);
  });
});

describe('When every body field of every route carries an injection', () => {
  it('then routes that take a body refuse it with a 4xx and write nothing, and no route leaks or fails', async () => {
    const problems: string[] = [];
    for (const route of scene.routes) {
      await signInBob();
      const valid = VALID[routeName(route)];
      const base = valid ? valid() : {};
      const fields = Object.keys(base).length > 0 ? Object.keys(base) : ['text', 'id', 'userId'];
      const bodies: unknown[] = [];
      for (const f of fields) for (const p of PAYLOADS) bodies.push({ ...(valid ? valid() : {}), [f]: p });
      for (const k of KEY_INJECTIONS) bodies.push({ ...(valid ? valid() : {}), [k]: { $ne: null } });
      // an own "__proto__" key, as JSON.parse makes it (spread defines it, does not set the prototype)
      bodies.push({ ...JSON.parse('{"__proto__": {"admin": true}}'), ...base });
      for (const body of bodies) {
        const before = scene.writes.total;
        const res = await send(route, body);
        const wrote = scene.writes.total - before;
        const leaks = leaked(res.text);
        if (res.status >= 500) problems.push(`${routeName(route)} ${JSON.stringify(body)}: ${res.status}`);
        else if (leaks.length > 0) problems.push(`${routeName(route)} leaked ${leaks.join(',')}`);
        else if (valid && res.status < 400)
          problems.push(`${routeName(route)} accepted ${JSON.stringify(body)}`);
        else if (res.status >= 400 && wrote > 0)
          problems.push(`${routeName(route)} wrote on a ${res.status}`);
      }
    }
    expect(Object.prototype).not.toHaveProperty('admin');
    expect(problems).toEqual([]);
  });

  it('then query parameters with operators, brackets and poison keys never leak or fail', async () => {
    const problems: string[] = [];
    const queries = [
      '?limit[$gt]=0',
      '?cursor[$ne]=x',
      '?unread[$ne]=false',
      '?__proto__[admin]=1',
      '?constructor[prototype][admin]=1',
      '?limit=1e9',
      '?status[$regex]=.*',
      `?user=${scene.alice.id}`,
      '?$where=1',
      '?limit=1&limit=2',
    ];
    await signInBob();
    for (const route of scene.routes.filter((r) => r.method === 'GET')) {
      for (const q of queries) {
        tried.http += 1;
        const res = await rawRequest(`${scene.url}${fillPath(route, victimParams(scene, route))}${q}`, {
          method: 'GET',
          headers: authFor(route),
        });
        const leaks = leaked(res.text);
        if (res.status >= 500 || leaks.length > 0)
          problems.push(`${routeName(route)}${q}: ${res.status} ${leaks.join(',')}`);
      }
    }
    expect(Object.prototype).not.toHaveProperty('admin');
    expect(problems).toEqual([]);
  });
});

describe('When every event field carries an injection', () => {
  it('then each event answers VALIDATION_FAILED, writes nothing and leaks nothing', async () => {
    await signInBob();
    const socket = await clients.connect(bobAuth.Authorization!.slice('Bearer '.length));
    const valid: Record<string, Record<string, unknown>> = {
      'message:send': { recipientId: scene.alice.id, text: 'x', clientId: 'e1' },
      'message:seen': { conversationId: scene.ids.aliceCarolConversation },
      typing: { recipientId: scene.alice.id, typing: true },
      'presence:query': { userIds: [scene.alice.id] },
      sync: { since: new Date(0).toISOString() },
    };
    const problems: string[] = [];
    for (const [event, base] of Object.entries(valid)) {
      const bodies: unknown[] = [];
      for (const f of Object.keys(base)) for (const p of PAYLOADS) bodies.push({ ...base, [f]: p });
      for (const k of KEY_INJECTIONS) bodies.push({ ...base, [k]: { $ne: null } });
      for (const body of bodies) {
        tried.events += 1;
        const before = scene.writes.total;
        const ack = await request(socket, event, body);
        const wrote = scene.writes.total - before;
        if (
          ack.ok ||
          ack.error?.code !== 'VALIDATION_FAILED' ||
          wrote > 0 ||
          leaked(JSON.stringify(ack)).length > 0
        )
          problems.push(
            `${event} ${JSON.stringify(body)}: ${JSON.stringify(ack).slice(0, 120)} wrote ${wrote}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });
});
