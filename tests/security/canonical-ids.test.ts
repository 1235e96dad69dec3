import { registerUser, type TestUser } from '../support/api-users';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Identity and abuse limits, ids: an id is 24 hex digits in any case and is treated as its
 * lower-case form (docs CONTRACT). Another spelling of an id is the same user, conversation or
 * row: it cannot make oneself look like someone else, open a second conversation, or slip past
 * the live push.
 */
let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

/** Other spellings of an id (ids always carry a letter in practice; the guard says so if not). */
function spellings(id: string): string[] {
  const upper = id.toUpperCase();
  const mixed = [...id].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
  const alt = [...id].map((c, i) => (i % 2 === 1 ? c.toUpperCase() : c)).join('');
  const variants = [...new Set([upper, mixed, alt])].filter((s) => s !== id);
  if (variants.length === 0) throw new Error(`id ${id} has no letter to change the case of`);
  return variants;
}
const UPPER = (id: string) => id.toUpperCase();

let clientIds = 0;
const cid = () => `cid${++clientIds}-${Date.now()}`;

const me = async (user: TestUser) => (await t.http.get('/api/auth/me').set(user.auth).expect(200)).body.user;
const unread = async (user: TestUser) =>
  (await t.http.get('/api/notifications').set(user.auth).expect(200)).body;

describe('When a user follows an upper-case spelling of their own id', () => {
  it('then it answers 400 as for self, no counter moves and no notification is made', async () => {
    const user = await registerUser(t.http);
    const before = await unread(user);
    for (const id of spellings(user.id)) {
      const res = await t.http.put(`/api/users/${id}/follow`).set(user.auth);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const after = await me(user);
    expect(after.followersCount).toBe(0);
    expect(after.followingCount).toBe(0);
    expect(await unread(user)).toEqual(before);
    const follows = await t.server.services.mongo.collection('follows').countDocuments({});
    expect(follows).toBe(0);
  });
});

describe("When a user follows an upper-case spelling of another user's id", () => {
  it('then it is the same follow as with the lower-case id (counted once, unfollowed by either spelling)', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await t.http
      .put(`/api/users/${UPPER(bob.id)}/follow`)
      .set(alice.auth)
      .expect(200);
    await t.http.put(`/api/users/${bob.id}/follow`).set(alice.auth).expect(200);
    expect((await me(bob)).followersCount).toBe(1);
    const followers = await t.http
      .get(`/api/users/${UPPER(bob.id)}/followers`)
      .set(alice.auth)
      .expect(200);
    expect(followers.body.users.map((u: { id: string }) => u.id)).toEqual([alice.id]);
    await t.http.delete(`/api/users/${bob.id}/follow`).set(alice.auth).expect(200);
    expect((await me(bob)).followersCount).toBe(0);
  });
});

describe('When a profile is asked for by an upper-case id', () => {
  it('then GET /api/users/:idOrUsername resolves to that user, with the id in lower case', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    for (const id of spellings(bob.id)) {
      const res = await t.http.get(`/api/users/${id}`).set(alice.auth);
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(bob.id);
      expect(res.body.user.username).toBe(bob.username);
    }
    const self = await t.http
      .get(`/api/users/${UPPER(alice.id)}`)
      .set(alice.auth)
      .expect(200);
    expect(self.body.user.id).toBe(alice.id);
  });
});

describe('When a user messages an upper-case spelling of their own id', () => {
  it('then POST /api/messages and message:send both answer 400 and nothing is stored', async () => {
    const user = await registerUser(t.http);
    const socket = await clients.connect(user.token);
    for (const id of spellings(user.id)) {
      const rest = await t.http.post('/api/messages').set(user.auth).send({ recipientId: id, text: 'me' });
      expect(rest.status).toBe(400);
      expect(rest.body.error.code).toBe('VALIDATION_FAILED');
      const ack = await request(socket, 'message:send', { recipientId: id, text: 'me', clientId: cid() });
      expect(ack.ok).toBe(false);
      expect(ack.error.code).toBe('VALIDATION_FAILED');
    }
    const list = await t.http.get('/api/conversations').set(user.auth).expect(200);
    expect(list.body.conversations).toEqual([]);
  });
});

describe("When a sender writes to case variants of a recipient's id", () => {
  it('then every message lands in the one conversation of the lower-case id, and each is pushed live to the recipient', async () => {
    const [sender, victim] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const [senderSocket, victimSocket] = await Promise.all([
      clients.connect(sender.token),
      clients.connect(victim.token),
    ]);
    const first = await t.http
      .post('/api/messages')
      .set(sender.auth)
      .send({ recipientId: victim.id, text: 'lower' })
      .expect(201);
    const conversationId = first.body.message.conversationId;

    for (const [i, id] of spellings(victim.id).entries()) {
      // over REST
      const pushed = nextEvent<{ message: { text: string } }>(victimSocket, 'message:new', {
        where: (p) => p.message.text === `rest ${i}`,
      });
      const res = await t.http
        .post('/api/messages')
        .set(sender.auth)
        .send({ recipientId: id, text: `rest ${i}` })
        .expect(201);
      expect(res.body.message.conversationId).toBe(conversationId);
      expect(res.body.message.recipientId).toBe(victim.id);
      await pushed;

      // and over the socket
      const pushedToo = nextEvent<{ message: { text: string } }>(victimSocket, 'message:new', {
        where: (p) => p.message.text === `socket ${i}`,
      });
      const ack = await request(senderSocket, 'message:send', {
        recipientId: id,
        text: `socket ${i}`,
        clientId: cid(),
      });
      expect(ack.ok).toBe(true);
      expect(ack.message.conversationId).toBe(conversationId);
      expect(ack.message.recipientId).toBe(victim.id);
      await pushedToo;
    }

    for (const user of [victim, sender]) {
      const list = await t.http.get('/api/conversations').set(user.auth).expect(200);
      expect(list.body.conversations.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    }
  });

  it('then typing to an upper-case spelling of a conversation partner reaches the partner', async () => {
    const [sender, victim] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await t.http
      .post('/api/messages')
      .set(sender.auth)
      .send({ recipientId: victim.id, text: 'hi' })
      .expect(201);
    const [senderSocket, victimSocket] = await Promise.all([
      clients.connect(sender.token),
      clients.connect(victim.token),
    ]);
    const typing = nextEvent<{ userId: string }>(victimSocket, 'typing');
    const ack = await request(senderSocket, 'typing', { recipientId: UPPER(victim.id), typing: true });
    expect(ack.ok).toBe(true);
    expect((await typing).userId).toBe(sender.id);
  });
});

describe('When a page cursor carries its id in upper-case hex', () => {
  it('then it pages exactly as the cursor the API gave, and an upper-case conversation id in the path works too', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    for (const text of ['one', 'two', 'three', 'four']) {
      await t.http.post('/api/messages').set(alice.auth).send({ recipientId: bob.id, text }).expect(201);
    }
    const list = await t.http.get('/api/conversations').set(bob.auth).expect(200);
    const id: string = list.body.conversations[0].id;
    const page1 = await t.http
      .get(`/api/conversations/${UPPER(id)}/messages?limit=2`)
      .set(bob.auth)
      .expect(200);
    expect(page1.body.messages.map((m: { text: string }) => m.text)).toEqual(['four', 'three']);
    const cursor: string = page1.body.nextCursor;
    const [ms, hex] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
    expect(hex).toMatch(/^[0-9a-f]{24}$/);
    const upperCursor = Buffer.from(`${ms}.${UPPER(hex as string)}`).toString('base64url');
    expect(upperCursor).not.toBe(cursor);

    const byApi = await t.http
      .get(`/api/conversations/${id}/messages?limit=2&cursor=${cursor}`)
      .set(bob.auth)
      .expect(200);
    const byUpper = await t.http
      .get(`/api/conversations/${id}/messages?limit=2&cursor=${upperCursor}`)
      .set(bob.auth);
    expect(byUpper.status).toBe(200);
    expect(byUpper.body).toEqual(byApi.body);
    expect(byUpper.body.messages.map((m: { text: string }) => m.text)).toEqual(['two', 'one']);
  });
});
