import { Types } from 'mongoose';
import { repairCounters } from '../../scripts/integrity/repair-counters';
import { registerUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const model = (name: string) => t.services.mongo.model(name);
const oid = (id: string) => new Types.ObjectId(id);
const followNotes = async (auth: Record<string, string>) =>
  (await t.http.get('/api/notifications').set(auth).expect(200)).body.notifications.filter(
    (n: { kind: string }) => n.kind === 'follow' || n.kind === 'like',
  );

describe('When someone follows and unfollows in a loop', () => {
  it('then the target gets one follow notification in the window, and one like notification per post', async () => {
    const [fan, star] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    for (let i = 0; i < 10; i++) {
      await t.http.put(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
      await t.http.delete(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
    }
    const post = (await t.http.post('/api/posts').set(star.auth).send({ text: 'p' }).expect(201)).body.post;
    for (let i = 0; i < 5; i++) {
      await t.http.put(`/api/posts/${post.id}/like`).set(fan.auth).expect(200);
      await t.http.delete(`/api/posts/${post.id}/like`).set(fan.auth).expect(200);
    }
    const notes = await followNotes(star.auth);
    expect(notes.map((n: { kind: string }) => n.kind).sort()).toEqual(['follow', 'like']);
    expect((await t.http.get('/api/notifications').set(star.auth)).body.unreadCount).toBe(2);
  });
});

describe('When the first attempt left an edge without its counters', () => {
  it('then a retried follow repairs both counters once, and more retries change nothing', async () => {
    const [fan, star] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    // what a follow that failed after its insert leaves: the edge, pending, and no counters
    await model('Follow').create({ follower: oid(fan.id), followee: oid(star.id), countersApplied: false });
    for (let i = 0; i < 3; i++) {
      const res = await t.http.put(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
      expect(res.body).toEqual({ following: true, followersCount: 1 });
    }
    const fanDoc = (await t.http.get(`/api/users/${fan.id}`).set(fan.auth)).body.user;
    expect(fanDoc.followingCount).toBe(1);
    // the repaired follow is notified (the failed attempt never got that far)
    expect(await followNotes(star.auth)).toHaveLength(1);
  });

  it('then a retried like repairs likesCount once', async () => {
    const [fan, star] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const post = (await t.http.post('/api/posts').set(star.auth).send({ text: 'p' }).expect(201)).body.post;
    await model('Like').create({ post: oid(post.id), user: oid(fan.id), countersApplied: false });
    for (let i = 0; i < 3; i++)
      expect((await t.http.put(`/api/posts/${post.id}/like`).set(fan.auth).expect(200)).body).toEqual({
        liked: true,
        likesCount: 1,
      });
  });

  it('then the next reply on the post also counts a reply a failed attempt left uncounted', async () => {
    const [fan, star] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const post = (await t.http.post('/api/posts').set(star.auth).send({ text: 'p' }).expect(201)).body.post;
    await model('Reply').create({
      post: oid(post.id),
      postedBy: oid(fan.id),
      text: 'lost',
      countersApplied: false,
    });
    await t.http.post(`/api/posts/${post.id}/replies`).set(fan.auth).send({ text: 'again' }).expect(201);
    expect((await t.http.get(`/api/posts/${post.id}`).set(fan.auth)).body.post.repliesCount).toBe(2);
  });
});

describe('When npm run repair:counters runs', () => {
  it('then it recomputes every counter from the edges, reports each fix, and a second run finds nothing', async () => {
    const [a, b] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await t.http.put(`/api/users/${b.id}/follow`).set(a.auth).expect(200);
    const post = (await t.http.post('/api/posts').set(b.auth).send({ text: 'p' }).expect(201)).body.post;
    await t.http.put(`/api/posts/${post.id}/like`).set(a.auth).expect(200);
    await model('User').updateOne({ _id: oid(b.id) }, { $set: { followersCount: 7 } });
    await model('Post').updateOne({ _id: oid(post.id) }, { $set: { likesCount: 0, repliesCount: 3 } });
    await model('NotificationUnreadCounter').updateOne({ user: oid(b.id) }, { $set: { unread: 40 } });

    const progress: string[] = [];
    const report = await repairCounters(t.services.mongo, (line) => progress.push(line));
    const fixes = report.fixes.filter((f) => f.id === b.id || f.id === post.id);
    expect(fixes).toEqual(
      expect.arrayContaining([
        { counter: 'users.followersCount', id: b.id, was: 7, now: 1 },
        { counter: 'posts.likesCount', id: post.id, was: 0, now: 1 },
        { counter: 'posts.repliesCount', id: post.id, was: 3, now: 0 },
        { counter: 'notifications.unread', id: b.id, was: 40, now: 2 },
      ]),
    );
    expect(report.checked['users.followersCount']).toBeGreaterThanOrEqual(2);
    expect(progress.some((l) => l.startsWith('posts.likesCount'))).toBe(true);
    expect((await repairCounters(t.services.mongo)).fixes).toEqual([]);
    expect((await t.http.get(`/api/users/${b.id}`).set(a.auth)).body.user.followersCount).toBe(1);
  });
});
