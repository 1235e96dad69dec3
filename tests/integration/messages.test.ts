import { Types } from 'mongoose';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const sent = new RecordingNotifier();

beforeAll(async () => {
  t = await createTestApp();
  t.services.notifier.attach(sent);
  [alice, bob, carol] = await Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
});
afterAll(() => t.close());
beforeEach(() => sent.clear());

const send = (from: TestUser, body: object) => t.http.post('/api/messages').set(from.auth).send(body);
const messagesIn = (conversationId: string) =>
  t.services.mongo
    .collection('messages')
    .countDocuments({ conversation: new Types.ObjectId(conversationId) });

describe('When a message is sent over REST', () => {
  it('then it is stored, the conversation shows it unread for the recipient only, and both sides are notified', async () => {
    const res = await send(alice, { recipientId: bob.id, text: '  hello bob  ' });
    expect(res.status).toBe(201);
    const m = res.body.message;
    expect(m).toEqual(
      expect.objectContaining({ senderId: alice.id, recipientId: bob.id, text: 'hello bob' }),
    );
    expect(m.id).toMatch(/^[0-9a-f]{24}$/);
    expect(typeof m.clientId).toBe('string');

    const forBob = await t.http.get('/api/conversations').set(bob.auth);
    expect(forBob.status).toBe(200);
    const conv = forBob.body.conversations.find((c: { id: string }) => c.id === m.conversationId);
    expect(conv).toEqual(
      expect.objectContaining({
        otherUser: { id: alice.id, username: alice.username, name: alice.username },
        unreadCount: 1,
        lastMessage: expect.objectContaining({ id: m.id, senderId: alice.id, text: 'hello bob' }),
      }),
    );
    const forAlice = await t.http.get('/api/conversations').set(alice.auth);
    const mine = forAlice.body.conversations.find((c: { id: string }) => c.id === m.conversationId);
    expect(mine.unreadCount).toBe(0);
    expect(mine.otherUser.id).toBe(bob.id);

    expect(sent.to(bob.id, 'message:new').map((e) => e.payload)).toEqual([{ message: m }]);
    // the sender's devices get it too; a REST sender has no socket to leave out
    expect(sent.to(alice.id, 'message:new')).toEqual([
      { userId: alice.id, exceptSocketId: undefined, event: 'message:new', payload: { message: m } },
    ]);
    const note = sent.to(bob.id, 'notification:new')[0]?.payload as { notification: Record<string, unknown> };
    expect(note.notification).toEqual(
      expect.objectContaining({
        kind: 'message',
        messageId: m.id,
        conversationId: m.conversationId,
        read: false,
      }),
    );
  });

  it('then the same clientId again answers 200 with the same message and stores nothing new', async () => {
    const body = { recipientId: bob.id, text: 'once', clientId: 'retry-1' };
    const first = await send(alice, body);
    const again = await send(alice, body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.message).toEqual(first.body.message);
    expect(await messagesIn(first.body.message.conversationId)).toBeGreaterThan(0);
    const stored = await t.services.mongo
      .collection('messages')
      .countDocuments({ sender: new Types.ObjectId(alice.id), clientId: 'retry-1' });
    expect(stored).toBe(1);
    // only the first send was pushed
    expect(sent.to(bob.id, 'message:new')).toHaveLength(1);
  });

  it('then five concurrent sends with one clientId make exactly one message and one unread', async () => {
    const dave = await registerUser(t.http);
    const body = { recipientId: dave.id, text: 'racing', clientId: 'race-1' };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => send(alice, body)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.message.id)).size).toBe(1);
    const conversationId = results[0]!.body.message.conversationId;
    expect(await messagesIn(conversationId)).toBe(1);
    const forDave = await t.http.get('/api/conversations').set(dave.auth);
    expect(forDave.body.conversations).toHaveLength(1);
    expect(forDave.body.conversations[0].unreadCount).toBe(1);
    expect(sent.to(dave.id, 'message:new')).toHaveLength(1);
  });

  it('then concurrent first messages of a pair share one conversation', async () => {
    const erin = await registerUser(t.http);
    const results = await Promise.all([
      send(erin, { recipientId: carol.id, text: 'a' }),
      send(carol, { recipientId: erin.id, text: 'b' }),
      send(erin, { recipientId: carol.id, text: 'c' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(results.map((r) => r.body.message.conversationId)).size).toBe(1);
    const forCarol = await t.http.get('/api/conversations').set(carol.auth);
    const conv = forCarol.body.conversations.find(
      (c: { otherUser: { id: string } }) => c.otherUser.id === erin.id,
    );
    expect(conv.unreadCount).toBe(2);
  });

  it('then a clientId reused for another text or recipient is a 409', async () => {
    await send(alice, { recipientId: bob.id, text: 'first', clientId: 'reuse-1' });
    const otherText = await send(alice, { recipientId: bob.id, text: 'second', clientId: 'reuse-1' });
    const otherRecipient = await send(alice, { recipientId: carol.id, text: 'first', clientId: 'reuse-1' });
    expect(otherText.status).toBe(409);
    expect(otherRecipient.status).toBe(409);
    expect(otherText.body.error.code).toBe('CONFLICT');
  });

  it.each([
    ['no text', () => ({ recipientId: bob.id })],
    ['blank text', () => ({ recipientId: bob.id, text: '   ' })],
    ['oversized text', () => ({ recipientId: bob.id, text: 'x'.repeat(2001) })],
    ['a bad recipient id', () => ({ recipientId: 'not-an-id', text: 'hi' })],
    ['an operator as recipient', () => ({ recipientId: { $ne: null }, text: 'hi' })],
    ['a spoofed sender field', () => ({ recipientId: bob.id, text: 'hi', senderId: carol.id })],
    ['a bad clientId', () => ({ recipientId: bob.id, text: 'hi', clientId: 'has spaces' })],
    ['themselves as recipient', () => ({ recipientId: alice.id, text: 'hi' })],
  ])('then %s is a 400 and stores nothing', async (_name, body) => {
    const before = await t.services.mongo.collection('messages').countDocuments();
    const res = await send(alice, body());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(await t.services.mongo.collection('messages').countDocuments()).toBe(before);
  });

  it('then an unknown recipient is a 404 and no token is a 401', async () => {
    const res = await send(alice, { recipientId: new Types.ObjectId().toHexString(), text: 'hi' });
    expect(res.status).toBe(404);
    const anon = await t.http.post('/api/messages').send({ recipientId: bob.id, text: 'hi' });
    expect(anon.status).toBe(401);
  });
});

describe('When a conversation is read', () => {
  it('then messages page newest first with a cursor, no row twice', async () => {
    const frank = await registerUser(t.http);
    for (let i = 0; i < 5; i++) await send(frank, { recipientId: bob.id, text: `m${i}` });
    const list = await t.http.get('/api/conversations').set(frank.auth);
    const id = list.body.conversations[0].id;
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 4; page++) {
      const res = await t.http
        .get(`/api/conversations/${id}/messages?limit=2&cursor=${cursor}`)
        .set(bob.auth);
      expect(res.status).toBe(200);
      seen.push(...res.body.messages.map((m: { text: string }) => m.text));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
  });

  it('then a stranger gets 404 for the messages and for seen, and a bad id is a 400', async () => {
    const res = await send(alice, { recipientId: bob.id, text: 'private' });
    const id = res.body.message.conversationId;
    expect((await t.http.get(`/api/conversations/${id}/messages`).set(carol.auth)).status).toBe(404);
    expect((await t.http.post(`/api/conversations/${id}/seen`).set(carol.auth)).status).toBe(404);
    expect((await t.http.get('/api/conversations/nope/messages').set(bob.auth)).status).toBe(400);
    const unknown = new Types.ObjectId().toHexString();
    expect((await t.http.get(`/api/conversations/${unknown}/messages`).set(bob.auth)).status).toBe(404);
  });

  it('then seen zeroes the unread count and tells the other participant', async () => {
    const gina = await registerUser(t.http);
    const res = await send(gina, { recipientId: bob.id, text: 'seen?' });
    const id = res.body.message.conversationId;
    sent.clear();
    const seen = await t.http.post(`/api/conversations/${id}/seen`).set(bob.auth);
    expect(seen.status).toBe(200);
    const list = await t.http.get('/api/conversations').set(bob.auth);
    expect(list.body.conversations.find((c: { id: string }) => c.id === id).unreadCount).toBe(0);
    expect(sent.to(gina.id, 'message:seen').map((e) => e.payload)).toEqual([
      { conversationId: id, by: bob.id, at: seen.body.seenAt },
    ]);
  });
});
