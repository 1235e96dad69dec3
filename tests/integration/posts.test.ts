import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let author: TestUser;
let reader: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  author = await registerUser(t.http);
  reader = await registerUser(t.http);
});
afterAll(() => t.close());

const post = async (u: TestUser, text: string) => {
  const res = await t.http.post('/api/posts').set(u.auth).send({ text });
  expect(res.status).toBe(201);
  return res.body.post as { id: string; likesCount: number };
};
const stored = (id: string) => t.services.mongo.collection('posts').findOne({ _id: new Types.ObjectId(id) });

describe('When a post is written', () => {
  it('then it is returned with its author and counters', async () => {
    const p = await post(author, '  hello world  ');
    expect(p).toMatchObject({ text: 'hello world', likesCount: 0, repliesCount: 0, likedByMe: false });
    const got = await t.http.get(`/api/posts/${p.id}`).set(reader.auth);
    expect(got.body.post.author).toEqual({ id: author.id, username: author.username, name: author.username });
  });

  it.each([[''], ['   '], ['x'.repeat(501)], [42], [{ $gt: '' }]])(
    'then text %j is a 400 and stores nothing',
    async (text) => {
      const before = await t.services.mongo.collection('posts').countDocuments();
      const res = await t.http.post('/api/posts').set(author.auth).send({ text });
      expect(res.status).toBe(400);
      expect(await t.services.mongo.collection('posts').countDocuments()).toBe(before);
    },
  );

  it('then only its author may delete it, which also removes its likes and replies', async () => {
    const p = await post(author, 'short-lived');
    await t.http.put(`/api/posts/${p.id}/like`).set(reader.auth).expect(200);
    await t.http.post(`/api/posts/${p.id}/replies`).set(reader.auth).send({ text: 'reply' }).expect(201);
    const denied = await t.http.delete(`/api/posts/${p.id}`).set(reader.auth);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    expect(await stored(p.id)).not.toBeNull();
    await t.http.delete(`/api/posts/${p.id}`).set(author.auth).expect(204);
    expect(await stored(p.id)).toBeNull();
    const pid = new Types.ObjectId(p.id);
    expect(await t.services.mongo.collection('likes').countDocuments({ post: pid })).toBe(0);
    expect(await t.services.mongo.collection('replies').countDocuments({ post: pid })).toBe(0);
    expect((await t.http.get(`/api/posts/${p.id}`).set(author.auth)).status).toBe(404);
  });
});

describe('When posts are liked', () => {
  it('then like and unlike are idempotent and likedByMe follows the caller', async () => {
    const p = await post(author, 'like me');
    expect((await t.http.put(`/api/posts/${p.id}/like`).set(reader.auth)).body).toEqual({
      liked: true,
      likesCount: 1,
    });
    expect((await t.http.put(`/api/posts/${p.id}/like`).set(reader.auth)).body).toEqual({
      liked: true,
      likesCount: 1,
    });
    expect((await t.http.get(`/api/posts/${p.id}`).set(reader.auth)).body.post.likedByMe).toBe(true);
    expect((await t.http.get(`/api/posts/${p.id}`).set(author.auth)).body.post.likedByMe).toBe(false);
    expect((await t.http.delete(`/api/posts/${p.id}/like`).set(reader.auth)).body).toEqual({
      liked: false,
      likesCount: 0,
    });
    expect((await t.http.delete(`/api/posts/${p.id}/like`).set(reader.auth)).body).toEqual({
      liked: false,
      likesCount: 0,
    });
  });

  it('then concurrent double likes from several users leave the counter equal to the likers', async () => {
    const p = await post(author, 'popular');
    const likers = await Promise.all([1, 2, 3].map(() => registerUser(t.http)));
    await Promise.all(
      likers.flatMap((u) => [1, 2, 3].map(() => t.http.put(`/api/posts/${p.id}/like`).set(u.auth))),
    );
    expect((await stored(p.id))?.likesCount).toBe(3);
    expect(
      await t.services.mongo.collection('likes').countDocuments({ post: new Types.ObjectId(p.id) }),
    ).toBe(3);
  });

  it('then liking a missing post is a 404 and a malformed id a 400', async () => {
    expect((await t.http.put(`/api/posts/${new Types.ObjectId()}/like`).set(reader.auth)).status).toBe(404);
    const bad = await t.http.put('/api/posts/123/like').set(reader.auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('When a post is replied to', () => {
  it('then the reply is stored, counted and listed', async () => {
    const p = await post(author, 'question?');
    const r = await t.http.post(`/api/posts/${p.id}/replies`).set(reader.auth).send({ text: 'answer' });
    expect(r.status).toBe(201);
    expect(r.body.reply).toMatchObject({ postId: p.id, text: 'answer', author: { id: reader.id } });
    expect((await stored(p.id))?.repliesCount).toBe(1);
    const list = await t.http.get(`/api/posts/${p.id}/replies`).set(author.auth);
    expect(list.body.replies.map((x: { id: string }) => x.id)).toEqual([r.body.reply.id]);
  });
});

describe('When the feed is read', () => {
  it('then it has posts by followed users and self, newest first, paged without gaps', async () => {
    const me = await registerUser(t.http);
    const followed = await registerUser(t.http);
    const stranger = await registerUser(t.http);
    await t.http.put(`/api/users/${followed.id}/follow`).set(me.auth).expect(200);
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      expected.push((await post(i % 2 ? me : followed, `feed ${i}`)).id);
      await post(stranger, `noise ${i}`);
    }
    const ids: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res: Response = await t.http.get('/api/feed').query({ limit: 2, cursor }).set(me.auth);
      expect(res.status).toBe(200);
      ids.push(...res.body.posts.map((p: { id: string }) => p.id));
      cursor = res.body.nextCursor;
    }
    expect(ids).toEqual(expected.reverse());
  });

  it("then a user's profile posts are listed the same way", async () => {
    const writer = await registerUser(t.http);
    const a = await post(writer, 'one');
    const b = await post(writer, 'two');
    const res = await t.http.get(`/api/users/${writer.id}/posts`).set(reader.auth);
    expect(res.body.posts.map((p: { id: string }) => p.id)).toEqual([b.id, a.id]);
    expect(res.body.nextCursor).toBeNull();
  });
});
