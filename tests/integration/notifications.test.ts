import { Types } from 'mongoose';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
const sent = new RecordingNotifier();

beforeAll(async () => {
  t = await createTestApp();
  t.services.notifier.attach(sent);
});
afterAll(() => t.close());
beforeEach(() => sent.clear());

const list = (u: TestUser, query = '') => t.http.get(`/api/notifications${query}`).set(u.auth);
const markRead = (u: TestUser, body: object) => t.http.post('/api/notifications/read').set(u.auth).send(body);

describe('When someone follows, likes, replies or messages', () => {
  it('then the user gets one notification per activity, pushed, and the stored kinds listed newest first', async () => {
    const [owner, fan] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await t.http.put(`/api/users/${owner.id}/follow`).set(fan.auth).expect(200);
    const post = await t.http.post('/api/posts').set(owner.auth).send({ text: 'hello' }).expect(201);
    const postId = post.body.post.id;
    await t.http.put(`/api/posts/${postId}/like`).set(fan.auth).expect(200);
    const reply = await t.http
      .post(`/api/posts/${postId}/replies`)
      .set(fan.auth)
      .send({ text: 'hi!' })
      .expect(201);
    const msg = await t.http
      .post('/api/messages')
      .set(fan.auth)
      .send({ recipientId: owner.id, text: 'psst' });

    const res = await list(owner);
    expect(res.status).toBe(200);
    const actor = { id: fan.id, username: fan.username, name: fan.username };
    // A message's notification is derived from the message, not stored (docs/realtime.md):
    // the list holds the stored kinds, and the message's unread state is its conversation's.
    expect(res.body.notifications).toEqual([
      expect.objectContaining({ kind: 'reply', actor, postId, replyId: reply.body.reply.id }),
      expect.objectContaining({ kind: 'like', actor, postId }),
      expect.objectContaining({ kind: 'follow', actor }),
    ]);
    expect(res.body.unreadCount).toBe(3);
    expect(res.body.nextCursor).toBeNull();
    const pushed = sent
      .to(owner.id, 'notification:new')
      .map((e) => (e.payload as { notification: object }).notification);
    expect(pushed).toEqual([
      ...[...res.body.notifications].reverse(),
      {
        id: msg.body.message.id,
        kind: 'message',
        actor,
        messageId: msg.body.message.id,
        conversationId: msg.body.message.conversationId,
        text: 'psst',
        read: false,
        createdAt: msg.body.message.createdAt,
      },
    ]);
    const conversations = await t.http.get('/api/conversations').set(owner.auth);
    expect(conversations.body.conversations[0].unreadCount).toBe(1);
    // the actor hears nothing about their own activity
    expect(sent.to(fan.id, 'notification:new')).toEqual([]);
  });

  it('then liking or replying to your own post makes no notification, and a repeated like makes one', async () => {
    const [owner, fan] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const post = await t.http.post('/api/posts').set(owner.auth).send({ text: 'mine' }).expect(201);
    await t.http.put(`/api/posts/${post.body.post.id}/like`).set(owner.auth).expect(200);
    await t.http
      .post(`/api/posts/${post.body.post.id}/replies`)
      .set(owner.auth)
      .send({ text: 'me' })
      .expect(201);
    await t.http.put(`/api/posts/${post.body.post.id}/like`).set(fan.auth).expect(200);
    await t.http.put(`/api/posts/${post.body.post.id}/like`).set(fan.auth).expect(200);
    const res = await list(owner);
    expect(res.body.notifications.map((n: { kind: string }) => n.kind)).toEqual(['like']);
    expect(res.body.unreadCount).toBe(1);
  });
});

describe('When notifications are listed and marked read', () => {
  let owner: TestUser;
  let ids: string[];
  beforeAll(async () => {
    owner = await registerUser(t.http);
    const fans = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t.http)));
    for (const fan of fans) await t.http.put(`/api/users/${owner.id}/follow`).set(fan.auth).expect(200);
    const res = await list(owner);
    ids = res.body.notifications.map((n: { id: string }) => n.id);
    expect(ids).toHaveLength(5);
  });

  it('then cursor pages cover every notification once', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const res = await list(owner, `?limit=2&cursor=${cursor}`);
      seen.push(...res.body.notifications.map((n: { id: string }) => n.id));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('then marking some read moves the count once even when two devices mark the same ids at once', async () => {
    const [a, b] = await Promise.all([
      markRead(owner, { ids: ids.slice(0, 2) }),
      markRead(owner, { ids: ids.slice(0, 2) }),
    ]);
    expect(a.status).toBe(200);
    expect(a.body.updated + b.body.updated).toBe(2);
    const unread = await list(owner, '?unread=true');
    expect(unread.body.notifications.map((n: { id: string }) => n.id)).toEqual(ids.slice(2));
    expect(unread.body.unreadCount).toBe(3);
  });

  it("then another user's ids change nothing for either user", async () => {
    const stranger = await registerUser(t.http);
    const res = await markRead(stranger, { ids: ids.slice(2) });
    expect(res.body).toEqual({ updated: 0, unreadCount: 0 });
    expect((await list(owner)).body.unreadCount).toBe(3);
  });

  it('then all: true reads the rest and the count is zero', async () => {
    const res = await markRead(owner, { all: true });
    expect(res.body).toEqual({ updated: 3, unreadCount: 0 });
    expect((await list(owner, '?unread=1')).body.notifications).toEqual([]);
  });

  it.each([
    [{}],
    [{ ids: [] }],
    [{ ids: ['nope'] }],
    [{ all: false }],
    [{ ids: [new Types.ObjectId().toHexString()], all: true }],
    [{ ids: Array.from({ length: 101 }, () => new Types.ObjectId().toHexString()) }],
  ])('then the body %j is a 400', async (body) => {
    const res = await markRead(owner, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('then a bad cursor or unread value is a 400 and no token a 401', async () => {
    expect((await list(owner, '?cursor=zzz')).status).toBe(400);
    expect((await list(owner, '?unread=maybe')).status).toBe(400);
    expect((await t.http.get('/api/notifications')).status).toBe(401);
  });
});
