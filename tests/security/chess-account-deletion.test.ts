import { registerUser, type TestUser } from '../support/api-users';
import { startTestServer, type TestServer } from '../support/test-server';

/** The chess feature's onAccountDeleted hook (docs/security.md, "Account deletion"). */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe('When a player with an active game and pending challenges deletes their account', () => {
  it('then the active game is resigned in the opponent’s favour, the challenges are gone, finished games stay', async () => {
    const [victim, o1, o2, o3] = (await Promise.all([1, 2, 3, 4].map(() => registerUser(t.http)))) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    const game = async (from: TestUser, to: TestUser) =>
      (await t.http.post('/api/games').set(from.auth).send({ opponentId: to.id }).expect(201)).body.game
        .id as string;
    const active = await game(victim, o1);
    await t.http.post(`/api/games/${active}/accept`).set(o1.auth).expect(200);
    const sent = await game(victim, o2);
    const received = await game(o3, victim);
    const finished = await game(o1, victim);
    await t.http.post(`/api/games/${finished}/accept`).set(victim.auth).expect(200);
    await t.http.post(`/api/games/${finished}/resign`).set(victim.auth).expect(200);

    await t.http
      .delete('/api/auth/account')
      .set(victim.auth)
      .send({ password: 'correct horse battery' })
      .expect(204);

    const after = (await t.http.get(`/api/games/${active}`).set(o1.auth).expect(200)).body.game;
    expect(after).toMatchObject({ status: 'resigned', winner: o1.id });
    await t.http.get(`/api/games/${sent}`).set(o2.auth).expect(404);
    await t.http.get(`/api/games/${received}`).set(o3.auth).expect(404);
    const kept = (await t.http.get(`/api/games/${finished}`).set(o1.auth).expect(200)).body.game;
    expect(kept).toMatchObject({ status: 'resigned', winner: o1.id });
    // the opponent can challenge others again: nothing of the victim's is left open
    const open = (await t.http.get('/api/games?status=pending').set(o2.auth).expect(200)).body;
    expect(JSON.stringify(open)).not.toContain(victim.id);
  });
});
