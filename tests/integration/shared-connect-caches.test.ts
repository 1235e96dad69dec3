import { registerUser, type TestUser } from '../support/api-users';
import { connectError, nextEvent, SocketClients } from '../support/socket-clients';
import { testRedisUrl } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Two instances on one Redis and one store, each caching session versions and contacts for a
 * minute: what one instance changes must hold on the other's first connect at once, through
 * the copies they share in Redis.
 */
let a: TestServer;
let b: TestServer;
const onA = new SocketClients(() => a.url);
const onB = new SocketClients(() => b.url);
beforeAll(async () => {
  const env = {
    REDIS_URL: testRedisUrl(),
    SOCKET_ADAPTER: 'redis',
    REDIS_KEY_PREFIX: `shared${Date.now()}:`,
    TOKEN_VERSION_CACHE_MS: '60000',
    CONTACTS_CACHE_MS: '60000',
  };
  a = await startTestServer(env);
  b = await startTestServer({ ...env, MONGO_URL: a.server.services.config.mongoUrl });
});
afterAll(async () => {
  onA.closeAll();
  onB.closeAll();
  await b.server.shutdown('test done');
  await a.close();
});

interface Change {
  userId: string;
  online: boolean;
}

/** Reads of what a connect checks (users, follows, conversations) the instance sends from now on. */
function storeReads(t: TestServer) {
  const seen: string[] = [];
  const client = t.server.services.mongo.getClient();
  const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
    const collection = e.command[e.commandName];
    if (collection === 'users' || collection === 'follows' || collection === 'conversations')
      seen.push(`${e.commandName} ${collection}`);
  };
  client.on('commandStarted', listener);
  return { seen, stop: () => client.off('commandStarted', listener) };
}

const follow = (who: TestUser, whom: TestUser) =>
  a.http.put(`/api/users/${whom.id}/follow`).set(who.auth).expect(200);

describe('When a user signed up on one instance comes online on another', () => {
  it('then the handshake and the announcement to a follower read nothing from the store', async () => {
    const [u, w] = [await registerUser(a.http), await registerUser(a.http)];
    await follow(w, u);
    // u's audience is shared once some instance read it (b here, then forgot its own copy)
    expect(await b.server.services.contacts.presenceAudience(u.id)).toEqual([w.id]);
    b.server.services.contacts.forget([u.id]);
    const watcher = await onA.connect(w.token);
    const online = nextEvent<Change>(watcher, 'presence:changed', { where: (c) => c.userId === u.id });
    const reads = storeReads(b);
    try {
      await onB.connect(u.token);
      expect(await online).toEqual({ userId: u.id, online: true });
      expect(reads.seen).toEqual([]);
    } finally {
      reads.stop();
    }
  });
});

describe('When a user logs out on one instance', () => {
  it('then an old token is refused at once by an instance that had never seen the user', async () => {
    const u = await registerUser(a.http);
    await a.http.post('/api/auth/logout').set(u.auth).expect(204);
    const refused = await connectError(onB.open({ token: u.token }));
    expect(refused.message).toBe('UNAUTHORIZED');
    expect(refused.data).toEqual({ code: 'UNAUTHORIZED', message: 'Session revoked' });
  });
});

describe('When an account is deleted on one instance', () => {
  it('then another instance refuses its token as an account that no longer exists', async () => {
    const u = await registerUser(a.http);
    // b holds the version from the token's issue, as a connect would have read it
    await b.http.get('/api/auth/me').set(u.auth).expect(200);
    await a.http
      .delete('/api/auth/account')
      .set(u.auth)
      .send({ password: 'correct horse battery' })
      .expect(204);
    const refused = await connectError(onB.open({ token: u.token }));
    expect(refused.data).toEqual({ code: 'UNAUTHORIZED', message: 'Account no longer exists' });
  });
});

describe('When a user follows another on one instance', () => {
  it('then the followed user coming online on another instance is told to the new follower', async () => {
    const [u, w] = [await registerUser(a.http), await registerUser(a.http)];
    // the shared copy of u's audience (nobody, since sign-up) is what the follow must drop
    await follow(w, u);
    const watcher = await onA.connect(w.token);
    const online = nextEvent<Change>(watcher, 'presence:changed', { where: (c) => c.userId === u.id });
    await onB.connect(u.token);
    expect(await online).toEqual({ userId: u.id, online: true });
  });
});
