import { Types } from 'mongoose';
import { registerUser, type TestUser } from '../support/api-users';
import { type ClientSocket, nextEvent, record, request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
const clients = new SocketClients(() => t.url);
beforeAll(async () => {
  t = await startTestServer({ PRESENCE_GRACE_MS: '50' });
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

interface Pair {
  alice: TestUser;
  bob: TestUser;
  a1: ClientSocket;
  a2: ClientSocket;
  b1: ClientSocket;
  b2: ClientSocket;
}

/** Two users with two devices each. */
async function pair(): Promise<Pair> {
  const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
  const [a1, a2, b1, b2] = await Promise.all([
    clients.connect(alice.token),
    clients.connect(alice.token),
    clients.connect(bob.token),
    clients.connect(bob.token),
  ]);
  return { alice, bob, a1, a2, b1, b2 };
}

let clientIds = 0;
const cid = () => `c${++clientIds}-${Date.now()}`;
const countMessages = (filter: object) =>
  t.server.services.mongo.collection('messages').countDocuments(filter);
/** adapter broadcasts of an event this instance delivered (one per emit, whatever the rooms) */
const deliveries = async (event: string) =>
  (await t.server.services.metrics.socketDelivery.get()).values.find(
    (v) => v.metricName === 'socketio_delivery_seconds_count' && v.labels.event === event,
  )?.value ?? 0;

describe('When a message is sent on a socket', () => {
  it('then the ack has the stored message and every other device of both users gets message:new, the sending socket does not', async () => {
    const { alice, bob, a1, a2, b1, b2 } = await pair();
    const onA1 = record(a1, 'message:new');
    const [toB1, toB2, toA2] = [b1, b2, a2].map((s) =>
      nextEvent<{ message: { id: string } }>(s, 'message:new'),
    );
    const broadcastsBefore = await deliveries('message:new');
    const ack = await request(a1, 'message:send', { recipientId: bob.id, text: 'hi bob', clientId: cid() });
    expect(ack.ok).toBe(true);
    expect(ack.message).toEqual(
      expect.objectContaining({ senderId: alice.id, recipientId: bob.id, text: 'hi bob' }),
    );
    for (const got of await Promise.all([toB1, toB2, toA2])) expect(got).toEqual({ message: ack.message });
    // one adapter packet for both users' devices: across instances, one PUBLISH, not one per user
    expect((await deliveries('message:new')) - broadcastsBefore).toBe(1);
    expect(await countMessages({ _id: new Types.ObjectId(ack.message.id) })).toBe(1);

    // A later message that does reach a1 proves the first one never did.
    const reply = nextEvent<{ message: { text: string } }>(a1, 'message:new');
    await request(b1, 'message:send', { recipientId: alice.id, text: 'hi alice', clientId: cid() });
    expect((await reply).message.text).toBe('hi alice');
    expect(onA1.map((e) => (e as { message: { text: string } }).message.text)).toEqual(['hi alice']);
  });

  it('then the same clientId, even sent three times at once, makes one message, one push and the same ack', async () => {
    const { bob, a1, b1 } = await pair();
    const pushed = record<{ message: { id: string; text: string } }>(b1, 'message:new');
    const payload = { recipientId: bob.id, text: 'exactly once', clientId: cid() };
    const acks = await Promise.all([1, 2, 3].map(() => request(a1, 'message:send', payload)));
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(new Set(acks.map((a) => a.message.id)).size).toBe(1);
    const again = await request(a1, 'message:send', payload);
    expect(again).toEqual(acks[0]);
    expect(await countMessages({ clientId: payload.clientId })).toBe(1);

    const marker = nextEvent<{ message: { text: string } }>(b1, 'message:new', {
      where: (p) => p.message.text === 'marker',
    });
    await request(a1, 'message:send', { recipientId: bob.id, text: 'marker', clientId: cid() });
    await marker;
    expect(pushed.map((p) => p.message.text)).toEqual(['exactly once', 'marker']);
  });

  it('then spoofed sender fields are ignored: the sender is the socket user', async () => {
    const { alice, bob, a1 } = await pair();
    const carol = await registerUser(t.http);
    const ack = await request(a1, 'message:send', {
      recipientId: bob.id,
      text: 'who am i',
      clientId: cid(),
      senderId: carol.id,
      sender: carol.id,
      userId: carol.id,
    });
    expect(ack.ok).toBe(true);
    expect(ack.message.senderId).toBe(alice.id);
    expect(await countMessages({ sender: new Types.ObjectId(carol.id) })).toBe(0);
  });

  it.each([
    ['no payload', undefined],
    ['a string', 'hello'],
    ['an array', [1, 2]],
    ['null', null],
    ['no clientId', { text: 'hi', clientId: undefined }],
    ['oversized text', { text: 'x'.repeat(2001) }],
    ['blank text', { text: '   ' }],
    ['a bad recipient', { recipientId: 'nope', text: 'hi' }],
    ['an operator recipient', { recipientId: { $gt: '' }, text: 'hi' }],
    ['a non-string text', { text: { $ne: 1 } }],
  ])('then %s is VALIDATION_FAILED and nothing is stored', async (_name, body) => {
    const { bob, a1 } = await pair();
    const before = await countMessages({});
    const payload =
      body && typeof body === 'object' && !Array.isArray(body)
        ? { recipientId: bob.id, clientId: cid(), ...body }
        : body;
    const ack = await request(a1, 'message:send', payload);
    expect(ack.ok).toBe(false);
    expect(ack.error.code).toBe('VALIDATION_FAILED');
    expect(typeof ack.error.message).toBe('string');
    expect(await countMessages({})).toBe(before);
  });

  it('then messaging yourself is VALIDATION_FAILED, an unknown user NOT_FOUND, a reused clientId CONFLICT', async () => {
    const { alice, bob, a1 } = await pair();
    const self = await request(a1, 'message:send', { recipientId: alice.id, text: 'me', clientId: cid() });
    expect(self.error.code).toBe('VALIDATION_FAILED');
    const ghost = new Types.ObjectId().toHexString();
    const unknown = await request(a1, 'message:send', { recipientId: ghost, text: 'boo', clientId: cid() });
    expect(unknown.error.code).toBe('NOT_FOUND');
    const id = cid();
    await request(a1, 'message:send', { recipientId: bob.id, text: 'one', clientId: id });
    const reused = await request(a1, 'message:send', { recipientId: bob.id, text: 'two', clientId: id });
    expect(reused.error.code).toBe('CONFLICT');
  });

  it('then an event sent without an ack callback is still handled and nothing crashes', async () => {
    const { bob, a1, b1 } = await pair();
    const got = nextEvent<{ message: { text: string } }>(b1, 'message:new');
    a1.emit('message:send', { recipientId: bob.id, text: 'no ack', clientId: cid() });
    a1.emit('message:send', 'garbage without ack');
    expect((await got).message.text).toBe('no ack');
    expect((await request(a1, 'presence:query', { userIds: [bob.id] })).ok).toBe(true);
  });
});

describe('When a conversation is marked seen on a socket', () => {
  it("then the other participant and the reader's other devices get message:seen and the unread count is zero", async () => {
    const { alice, bob, a1, b1, b2 } = await pair();
    const sent = await request(a1, 'message:send', { recipientId: bob.id, text: 'read me', clientId: cid() });
    const conversationId = sent.message.conversationId;
    const toAlice = nextEvent(a1, 'message:seen');
    const toB2 = nextEvent(b2, 'message:seen');
    const ack = await request(b1, 'message:seen', { conversationId });
    expect(ack).toEqual({ ok: true });
    const expected = { conversationId, by: bob.id, at: expect.any(String) };
    expect(await toAlice).toEqual(expected);
    expect(await toB2).toEqual(expected);
    const list = await t.http.get('/api/conversations').set(bob.auth);
    expect(list.body.conversations[0]).toEqual(
      expect.objectContaining({ id: conversationId, unreadCount: 0 }),
    );
    void alice;
  });

  it("then a stranger's conversation is NOT_FOUND and tells nobody, and a bad id is VALIDATION_FAILED", async () => {
    const { bob, a1, b1 } = await pair();
    const stranger = await registerUser(t.http);
    const s = await clients.connect(stranger.token);
    const sent = await request(a1, 'message:send', { recipientId: bob.id, text: 'private', clientId: cid() });
    const seenByA1 = record(a1, 'message:seen');
    const ack = await request(s, 'message:seen', { conversationId: sent.message.conversationId });
    expect(ack).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'Conversation not found' } });
    expect((await request(s, 'message:seen', { conversationId: 'x' })).error.code).toBe('VALIDATION_FAILED');
    expect((await request(s, 'message:seen', {})).error.code).toBe('VALIDATION_FAILED');
    // the real reader's seen arrives; the stranger's never did
    const real = nextEvent(a1, 'message:seen');
    await request(b1, 'message:seen', { conversationId: sent.message.conversationId });
    await real;
    expect(seenByA1).toHaveLength(1);
  });
});

describe('When a user types', () => {
  it('then the recipient gets typing with the real user id, and bad payloads relay nothing', async () => {
    const { alice, bob, a1, b1 } = await pair();
    // typing reaches conversation partners only (docs/realtime.md)
    await request(a1, 'message:send', { recipientId: bob.id, text: 'hi', clientId: cid() });
    const typing = record<{ userId: string; typing: boolean }>(b1, 'typing');
    a1.emit('typing', { recipientId: bob.id, typing: 'yes' });
    a1.emit('typing', { recipientId: 'nope', typing: true });
    const badAck = await request(a1, 'typing', { typing: true });
    expect(badAck.error.code).toBe('VALIDATION_FAILED');
    const first = nextEvent(b1, 'typing');
    a1.emit('typing', { recipientId: bob.id, typing: true, userId: 'spoofed' });
    expect(await first).toEqual({ userId: alice.id, typing: true });
    const second = nextEvent(b1, 'typing');
    a1.emit('typing', { recipientId: bob.id, typing: false });
    expect(await second).toEqual({ userId: alice.id, typing: false });
    expect(typing).toEqual([
      { userId: alice.id, typing: true },
      { userId: alice.id, typing: false },
    ]);
  });
});

describe('When a client syncs after being away', () => {
  it('then it gets the messages and notifications it missed and nothing from before', async () => {
    const { alice, bob, a1, b1, b2 } = await pair();
    await request(a1, 'message:send', { recipientId: bob.id, text: 'before', clientId: cid() });
    const since = new Date().toISOString();
    b1.disconnect();
    b2.disconnect();
    await new Promise((r) => setTimeout(r, 5)); // a later millisecond than `since`
    await request(a1, 'message:send', { recipientId: bob.id, text: 'while away 1', clientId: cid() });
    await t.http.put(`/api/users/${bob.id}/follow`).set(alice.auth).expect(200);
    await request(a1, 'message:send', { recipientId: bob.id, text: 'while away 2', clientId: cid() });

    const back = await clients.connect(bob.token);
    const res = await request(back, 'sync', { since });
    expect(res.ok).toBe(true);
    expect(res.messages.map((m: { text: string }) => m.text)).toEqual(['while away 1', 'while away 2']);
    expect(res.notifications.map((n: { kind: string }) => n.kind)).toEqual(['message', 'follow', 'message']);
    expect(res.hasMore).toBe(false);
    // `until` stays a settle window behind now, before these fresh rows (docs/realtime.md)
    const oldest = [...res.messages, ...res.notifications]
      .map((r: { createdAt: string }) => r.createdAt)
      .sort();
    expect(Date.parse(res.until)).toBeLessThan(Date.parse(oldest[0]!));
    const bad = await request(back, 'sync', { since: 'yesterday' });
    expect(bad.error.code).toBe('VALIDATION_FAILED');
    expect((await request(back, 'sync', {})).error.code).toBe('VALIDATION_FAILED');
  });
});

describe('When someone follows a connected user', () => {
  it('then every device of the user gets notification:new with the persisted notification', async () => {
    const { alice, bob, b1, b2 } = await pair();
    type Pushed = { notification: { id: string } };
    const both = Promise.all([
      nextEvent<Pushed>(b1, 'notification:new'),
      nextEvent<Pushed>(b2, 'notification:new'),
    ]);
    await t.http.put(`/api/users/${bob.id}/follow`).set(alice.auth).expect(200);
    const [p1, p2] = await both;
    expect(p1).toEqual(p2);
    expect(p1.notification).toEqual(
      expect.objectContaining({
        kind: 'follow',
        actor: expect.objectContaining({ id: alice.id }),
        read: false,
      }),
    );
    const list = await t.http.get('/api/notifications').set(bob.auth);
    expect(list.body.notifications[0]).toEqual(p1.notification);
  });
});
