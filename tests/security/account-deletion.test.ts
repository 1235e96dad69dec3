import { Types } from 'mongoose';
import { registerUser, type TestUser } from '../support/api-users';
import { nextEvent, SocketClients } from '../support/socket-clients';
import { testRedisUrl } from '../support/test-env';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * DELETE /api/auth/account (docs/security.md, "Account deletion"), on two real instances that
 * share MongoDB and Redis, each trusting its cached session versions for a minute: the token
 * must die on both at once, not after the cache.
 */
const PASSWORD = 'correct horse battery';
let a: TestServer;
let b: TestServer;
const onA = new SocketClients(() => a.url);
const onB = new SocketClients(() => b.url);
beforeAll(async () => {
  const redis = {
    REDIS_URL: testRedisUrl(),
    SOCKET_ADAPTER: 'redis',
    REDIS_KEY_PREFIX: `acct${Date.now()}:`,
    TOKEN_VERSION_CACHE_MS: '60000',
  };
  a = await startTestServer(redis);
  b = await startTestServer({ ...redis, MONGO_URL: a.server.services.config.mongoUrl });
}, 60_000);
afterAll(async () => {
  onA.closeAll();
  onB.closeAll();
  await b?.server.shutdown('test done');
  await a?.close();
});

const model = (name: string) => a.server.services.mongo.model(name);
const deletingAt = async (id: string) =>
  ((await a.server.services.userModel.findById(id).lean()) as { deletingAt?: Date } | null)?.deletingAt;
const oid = (id: string) => new Types.ObjectId(id);

/** victim follows o1, o2 follows victim; posts, likes and replies both ways; a DM each way. */
async function scene() {
  const [victim, o1, o2] = await Promise.all([
    registerUser(a.http),
    registerUser(a.http),
    registerUser(a.http),
  ]);
  await a.http.put(`/api/users/${o1.id}/follow`).set(victim.auth).expect(200);
  await a.http.put(`/api/users/${victim.id}/follow`).set(o2.auth).expect(200);
  const vPost = (await a.http.post('/api/posts').set(victim.auth).send({ text: 'mine' }).expect(201)).body
    .post.id as string;
  const oPost = (await a.http.post('/api/posts').set(o1.auth).send({ text: 'theirs' }).expect(201)).body.post
    .id as string;
  await a.http.put(`/api/posts/${vPost}/like`).set(o1.auth).expect(200);
  await a.http.post(`/api/posts/${vPost}/replies`).set(o1.auth).send({ text: 'nice' }).expect(201);
  await a.http.put(`/api/posts/${oPost}/like`).set(victim.auth).expect(200);
  await a.http.put(`/api/posts/${oPost}/like`).set(o2.auth).expect(200);
  await a.http.post(`/api/posts/${oPost}/replies`).set(victim.auth).send({ text: 'from victim' }).expect(201);
  await a.http
    .post('/api/messages')
    .set(victim.auth)
    .send({ recipientId: o1.id, text: 'hi', clientId: 'v1' })
    .expect(201);
  await a.http
    .post('/api/messages')
    .set(o1.auth)
    .send({ recipientId: victim.id, text: 'yo', clientId: 'o1' })
    .expect(201);
  return { victim, o1, o2, vPost, oPost };
}

const me = (t: TestServer, u: TestUser) => t.http.get('/api/auth/me').set(u.auth);

describe('When the password given to DELETE /api/auth/account is wrong', () => {
  it('then it answers 401 and nothing changes', async () => {
    const s = await scene();
    const res = await a.http
      .delete('/api/auth/account')
      .set(s.victim.auth)
      .send({ password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    await me(a, s.victim).expect(200);
    await me(b, s.victim).expect(200);
    await a.http.get(`/api/posts/${s.vPost}`).set(s.o1.auth).expect(200);
    expect((await model('User').findById(s.victim.id).lean()) as unknown).toMatchObject({
      followingCount: 1,
    });
    expect(await deletingAt(s.victim.id)).toBeUndefined();
    expect((await a.http.get('/api/conversations').set(s.o1.auth)).body.conversations).toHaveLength(1);
  });
});

describe('When the body is not just {password}', () => {
  it('then it answers 400 and the account stays', async () => {
    const u = await registerUser(a.http);
    for (const body of [{}, { password: PASSWORD, extra: 1 }, { password: { $ne: 'x' } }])
      expect((await a.http.delete('/api/auth/account').set(u.auth).send(body)).status).toBe(400);
    await me(a, u).expect(200);
  });
});

describe('When a user deletes their account with the right password', () => {
  it('then 204; the token dies on both instances at once, and the sockets on both hear session:revoked and close', async () => {
    const s = await scene();
    // b caches the session version for a minute on this call
    await me(b, s.victim).expect(200);
    const sockets = [await onA.connect(s.victim.token), await onB.connect(s.victim.token)];
    const revoked = Promise.all(sockets.map((socket) => nextEvent(socket, 'session:revoked')));
    const closed = Promise.all(sockets.map((socket) => new Promise((r) => socket.once('disconnect', r))));
    const bystander = await onB.connect(s.o1.token);

    await a.http.delete('/api/auth/account').set(s.victim.auth).send({ password: PASSWORD }).expect(204);
    const [onAnswer, onBAnswer] = await Promise.all([me(a, s.victim), me(b, s.victim)]);
    expect([onAnswer.status, onBAnswer.status]).toEqual([401, 401]);
    expect(onBAnswer.body.error.code).toBe('UNAUTHORIZED');
    expect(await revoked).toEqual([
      { code: 'UNAUTHORIZED', message: 'Session revoked' },
      { code: 'UNAUTHORIZED', message: 'Session revoked' },
    ]);
    expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
    expect(bystander.connected).toBe(true);
    expect(
      (await a.http.post('/api/auth/login').send({ login: s.victim.username, password: PASSWORD })).status,
    ).toBe(401);

    // a second delete with the dead token is refused like any other call of it
    expect(
      (await b.http.delete('/api/auth/account').set(s.victim.auth).send({ password: PASSWORD })).status,
    ).toBe(401);
  });

  it('then their data is gone or anonymised as documented, and the counters of others are right', async () => {
    const s = await scene();
    const victimId = oid(s.victim.id);
    await a.http.delete('/api/auth/account').set(s.victim.auth).send({ password: PASSWORD }).expect(204);

    expect(await model('User').exists({ _id: victimId })).toBeNull();
    await a.http.get(`/api/users/${s.victim.id}`).set(s.o1.auth).expect(404);
    // follows: both edges gone, both other sides' counters back to 0
    expect(
      await model('Follow').countDocuments({ $or: [{ follower: victimId }, { followee: victimId }] }),
    ).toBe(0);
    const o1 = (await a.http.get(`/api/users/${s.o1.id}`).set(s.o2.auth).expect(200)).body.user;
    const o2 = (await a.http.get(`/api/users/${s.o2.id}`).set(s.o1.auth).expect(200)).body.user;
    expect([o1.followersCount, o2.followingCount]).toEqual([0, 0]);
    // posts: theirs gone with its likes and replies; theirs on o1's post gone, counters fixed
    await a.http.get(`/api/posts/${s.vPost}`).set(s.o1.auth).expect(404);
    expect(await model('Post').countDocuments({ postedBy: victimId })).toBe(0);
    expect(await model('Like').countDocuments({ $or: [{ user: victimId }, { post: oid(s.vPost) }] })).toBe(0);
    expect(
      await model('Reply').countDocuments({ $or: [{ postedBy: victimId }, { post: oid(s.vPost) }] }),
    ).toBe(0);
    const oPost = (await a.http.get(`/api/posts/${s.oPost}`).set(s.o1.auth).expect(200)).body.post;
    expect([oPost.likesCount, oPost.repliesCount]).toEqual([1, 0]);
    // messages: the conversation is gone for the other participant too
    expect((await a.http.get('/api/conversations').set(s.o1.auth).expect(200)).body.conversations).toEqual(
      [],
    );
    expect(
      await model('Message').countDocuments({ $or: [{ sender: victimId }, { recipient: victimId }] }),
    ).toBe(0);
    // notifications: theirs deleted; those others got from them name "deleted"
    expect(await model('Notification').countDocuments({ user: victimId })).toBe(0);
    const notes = (await a.http.get('/api/notifications').set(s.o1.auth).expect(200)).body.notifications as {
      actor: { id: string; username: string; name: string };
    }[];
    const fromVictim = notes.filter((n) => n.actor.id === s.victim.id);
    expect(fromVictim.length).toBeGreaterThan(0);
    for (const n of fromVictim) expect(n.actor).toEqual({ id: s.victim.id, username: 'deleted', name: '' });
    expect(JSON.stringify(notes)).not.toContain(s.victim.username);

    // the username and email are free again
    const again = await a.http.post('/api/auth/register').send({
      username: s.victim.username,
      email: `${s.victim.username}@example.test`,
      password: PASSWORD,
    });
    expect(again.status).toBe(201);
    expect(again.body.user.id).not.toBe(s.victim.id);
  });
});

describe('When an account deletion failed half-way', () => {
  it('then a retry with the same token completes it', async () => {
    const s = await scene();
    const accounts = a.server.services.accounts;
    let fail = true;
    accounts.onDeleted(async () => {
      if (fail) {
        fail = false;
        throw new Error('a feature failed');
      }
    });
    const first = await a.http.delete('/api/auth/account').set(s.victim.auth).send({ password: PASSWORD });
    expect(first.status).toBe(500);
    expect(await deletingAt(s.victim.id)).toBeInstanceOf(Date);
    await a.http.delete('/api/auth/account').set(s.victim.auth).send({ password: PASSWORD }).expect(204);
    expect(await model('User').exists({ _id: s.victim.id })).toBeNull();
    const o1 = (await a.http.get(`/api/users/${s.o1.id}`).set(s.o2.auth).expect(200)).body.user;
    expect(o1.followersCount).toBe(0);
    const oPost = (await a.http.get(`/api/posts/${s.oPost}`).set(s.o1.auth).expect(200)).body.post;
    expect([oPost.likesCount, oPost.repliesCount]).toEqual([1, 0]);
  });
});
