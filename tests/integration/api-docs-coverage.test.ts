import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiPath } from '../../backend/api-docs/openapi-document';
import { routeTable } from '../security/support/route-table';
import { registerUser } from '../support/api-users';
import { ackProblems, ackSchemas } from '../support/asyncapi-acks';
import { SocketClients } from '../support/socket-clients';
import { createTestApp, type TestApp } from '../support/test-app';
import { startTestServer, type TestServer } from '../support/test-server';

type Doc = { paths: Record<string, Record<string, unknown>> };
type AsyncDoc = {
  operations: Record<string, { action: 'send' | 'receive'; title: string }>;
};

/** "GET /api/posts/{id}" for every operation of the document. */
const documented = (doc: Doc) =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();

describe('API description coverage: routes and events vs /openapi.json and /asyncapi.json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('When the app mounts its routes, then each has an OpenAPI operation and each operation a route', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    const mounted = routeTable(t.app)
      .map((r) => `${r.method} ${openApiPath('', r.path)}`)
      .sort();
    // both directions at once: a route without a description, or a description without a route
    expect(mounted).toEqual(documented(res.body));
    expect(mounted.length).toBeGreaterThan(40);
  });

  it('When a route were added without a spec, then the comparison would show it', async () => {
    const res = await t.http.get('/openapi.json').expect(200);
    const mounted = routeTable(t.app).map((r) => `${r.method} ${openApiPath('', r.path)}`);
    const withExtra = [...mounted, 'GET /api/secret-undocumented'].sort();
    expect(withExtra).not.toEqual(documented(res.body));
  });
});

describe('Socket.IO events vs /asyncapi.json', () => {
  let s: TestServer;
  const clients = new SocketClients(() => s.url);
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    clients.closeAll();
    await s.close();
  });

  it('When a client connects, then the events its socket listens to are exactly the documented client events', async () => {
    const user = await registerUser(s.http);
    const client = await clients.connect(user.token);
    // a socket's handlers are built at its first event: the client speaks once (an unknown event, NOT_FOUND)
    await client.timeout(5000).emitWithAck('docs:hello', {});
    const serverSocket = s.server.realtime.io.of('/').sockets.get(client.id ?? '');
    if (!serverSocket) throw new Error('the server has no socket for this client');
    // Socket.IO's own lifecycle listeners are not client events
    const lifecycle = new Set(['disconnect', 'disconnecting', 'error']);
    const listened = serverSocket
      .eventNames()
      .map(String)
      .filter((e) => !lifecycle.has(e))
      .sort();
    const res = await s.http.get('/asyncapi.json').expect(200);
    const doc = res.body as AsyncDoc;
    const receive = Object.values(doc.operations)
      .filter((o) => o.action === 'receive')
      .map((o) => o.title)
      .sort();
    expect(listened).toEqual(receive);
    expect(receive).toContain('message:send');
  });

  it('When the code emits an event to clients, then /asyncapi.json documents it, and documents nothing else', async () => {
    const emitted = new Set<string>();
    // every emit goes through the notifier (toUsers…) or socket.emit with a literal name
    const call = /\b(?:toUsers|toUsersExceptSocket|toUsersAndRoom|emit)\(((?:[^()]|\([^()]*\))*?)\)/gs;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) {
          for (const m of readFileSync(p, 'utf8').matchAll(call)) {
            const name = /'([\w:.-]+)'/.exec(m[1]!)?.[1];
            if (name) emitted.add(name);
          }
        }
      }
    };
    walk(join(__dirname, '..', '..', 'backend'));
    const res = await s.http.get('/asyncapi.json').expect(200);
    const send = Object.values((res.body as AsyncDoc).operations)
      .filter((o) => o.action === 'send')
      .map((o) => o.title)
      .sort();
    expect([...emitted].sort()).toEqual(send);
    expect(send).toEqual(expect.arrayContaining(['message:new', 'notification:new', 'session:revoked']));
  });

  it('When events are acknowledged, then each ack matches its documented shape', async () => {
    const ackOf = await ackSchemas(s.http);
    const alice = await registerUser(s.http);
    const bob = await registerUser(s.http);
    const client = await clients.connect(alice.token);
    const calls: Array<[string, unknown]> = [
      ['message:send', { recipientId: bob.id, text: 'hello', clientId: 'c-1' }],
      ['presence:query', { userIds: [bob.id] }],
      ['sync', { since: new Date(0).toISOString() }],
      ['message:seen', { conversationId: 'not-an-id' }],
    ];
    expect(await ackProblems(client, calls, ackOf)).toEqual([]);
    // a wrong ack would be caught: the success shape of another event
    expect(ackOf('message:send')({ ok: true, online: {} })).toBe(false);
  });
});
