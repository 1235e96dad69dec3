import { Types } from 'mongoose';
import type { Response } from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.http);
  bob = await registerUser(t.http);
});
afterAll(() => t.close());

const counts = async (id: string) => {
  const u = await t.services.mongo.collection('users').findOne({ _id: new Types.ObjectId(id) });
  return { followers: u?.followersCount, following: u?.followingCount };
};

describe('When a profile is fetched', () => {
  it('then it is found by id and by username in any case, with isFollowing for the caller', async () => {
    const byId = await t.http.get(`/api/users/${bob.id}`).set(alice.auth);
    const byName = await t.http.get(`/api/users/${bob.username.toUpperCase()}`).set(alice.auth);
    expect(byId.status).toBe(200);
    expect(byName.body.user).toEqual(byId.body.user);
    expect(byId.body.user).toEqual(
      expect.objectContaining({ id: bob.id, username: bob.username, followersCount: 0, isFollowing: false }),
    );
    expect(byId.body.user).not.toHaveProperty('email');
  });

  it('then an unknown user is a 404 and a malformed key a 400', async () => {
    expect((await t.http.get('/api/users/0123456789abcdef01234567').set(alice.auth)).status).toBe(404);
    expect((await t.http.get('/api/users/nobody_like_this').set(alice.auth)).status).toBe(404);
    const long = await t.http.get(`/api/users/${'x'.repeat(40)}`).set(alice.auth);
    expect(long.status).toBe(400);
  });

  it('then routes need a token', async () => {
    const res = await t.http.get(`/api/users/${bob.id}`);
    expect(res.status).toBe(401);
  });
});

describe('When a user edits their profile', () => {
  it('then name and bio change and unknown fields are refused', async () => {
    const ok = await t.http.patch('/api/users/me').set(alice.auth).send({ name: 'Alice A.', bio: 'hello' });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ name: 'Alice A.', bio: 'hello' });
    const bad = await t.http.patch('/api/users/me').set(alice.auth).send({ followersCount: 1000 });
    expect(bad.status).toBe(400);
    const empty = await t.http.patch('/api/users/me').set(alice.auth).send({});
    expect(empty.status).toBe(400);
    const after = await t.http.get(`/api/users/${alice.id}`).set(bob.auth);
    expect(after.body.user.followersCount).toBe(0);
    expect(after.body.user.bio).toBe('hello');
  });
});

describe('When users follow each other', () => {
  it('then follow and unfollow are idempotent and keep both counters right', async () => {
    const carol = await registerUser(t.http);
    const dave = await registerUser(t.http);
    const first = await t.http.put(`/api/users/${dave.id}/follow`).set(carol.auth);
    const again = await t.http.put(`/api/users/${dave.id}/follow`).set(carol.auth);
    expect(first.body).toEqual({ following: true, followersCount: 1 });
    expect(again.body).toEqual({ following: true, followersCount: 1 });
    expect(await counts(carol.id)).toEqual({ followers: 0, following: 1 });
    const profile = await t.http.get(`/api/users/${dave.id}`).set(carol.auth);
    expect(profile.body.user.isFollowing).toBe(true);

    const un = await t.http.delete(`/api/users/${dave.id}/follow`).set(carol.auth);
    const unAgain = await t.http.delete(`/api/users/${dave.id}/follow`).set(carol.auth);
    expect(un.body).toEqual({ following: false, followersCount: 0 });
    expect(unAgain.body).toEqual({ following: false, followersCount: 0 });
    expect(await counts(carol.id)).toEqual({ followers: 0, following: 0 });
  });

  it('then ten concurrent follows of one user count once', async () => {
    const fan = await registerUser(t.http);
    const star = await registerUser(t.http);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => t.http.put(`/api/users/${star.id}/follow`).set(fan.auth)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(await counts(star.id)).toEqual({ followers: 1, following: 0 });
    expect(await counts(fan.id)).toEqual({ followers: 0, following: 1 });
    expect(await t.services.mongo.collection('follows').countDocuments({})).toBeGreaterThanOrEqual(1);
  });

  it('then following yourself is a 400, and bad or unknown ids are 400 and 404', async () => {
    const self = await t.http.put(`/api/users/${alice.id}/follow`).set(alice.auth);
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.put('/api/users/not-an-id/follow').set(alice.auth)).status).toBe(400);
    expect((await t.http.put('/api/users/0123456789abcdef01234567/follow').set(alice.auth)).status).toBe(404);
    expect(await counts(alice.id)).toEqual({ followers: 0, following: 0 });
  });

  it('then followers and following are cursor pages, newest first, with no row twice', async () => {
    const celeb = await registerUser(t.http);
    const fans: TestUser[] = [];
    for (let i = 0; i < 5; i++) {
      const f = await registerUser(t.http);
      await t.http.put(`/api/users/${celeb.id}/follow`).set(f.auth).expect(200);
      fans.push(f);
    }
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const res: Response = await t.http
        .get(`/api/users/${celeb.id}/followers`)
        .query({ limit: 2, cursor })
        .set(alice.auth);
      expect(res.status).toBe(200);
      seen.push(...res.body.users.map((u: { id: string }) => u.id));
      cursor = res.body.nextCursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(fans.map((f) => f.id).reverse());
    const following = await t.http.get(`/api/users/${fans[0]!.id}/following`).set(alice.auth);
    expect(following.body.users.map((u: { id: string }) => u.id)).toEqual([celeb.id]);
    expect(following.body.nextCursor).toBeNull();
  });

  it('then a bad cursor or limit is a 400', async () => {
    for (const q of [{ cursor: 'garbage!' }, { limit: 0 }, { limit: 101 }, { limit: 'ten' }]) {
      const res = await t.http.get(`/api/users/${alice.id}/followers`).query(q).set(alice.auth);
      expect(res.status).toBe(400);
    }
  });
});
