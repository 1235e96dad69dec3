import { registerUser, type TestUser } from '../support/api-users';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Identity and abuse limits, ids, for chess: an upper-case spelling of one's own id is still
 * oneself (no challenge, no game against oneself), and a game id in any case is the same game
 * and the same room.
 */
let t: TestServer;
const clients = new SocketClients(() => t.url);
let white: TestUser;
let black: TestUser;
beforeAll(async () => {
  t = await startTestServer();
  [white, black] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

const UPPER = (id: string) => id.toUpperCase();

describe('When a user challenges an upper-case spelling of their own id', () => {
  it('then POST /api/games answers 400 and no game is stored', async () => {
    const res = await t.http
      .post('/api/games')
      .set(white.auth)
      .send({ opponentId: UPPER(white.id) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(await t.server.services.mongo.collection('games').countDocuments({})).toBe(0);
  });
});

describe("When a user challenges an upper-case spelling of another user's id", () => {
  it("then the game names the opponent by the lower-case id, and a spectator's game:join by the upper-case game id gets its room's updates", async () => {
    const created = await t.http
      .post('/api/games')
      .set(white.auth)
      .send({ opponentId: UPPER(black.id), color: 'white' })
      .expect(201);
    expect(created.body.game.black).toBe(black.id);
    const id: string = created.body.game.id;
    await t.http
      .post(`/api/games/${UPPER(id)}/accept`)
      .set(black.auth)
      .expect(200);

    // a spectator hears of the game only through its room (players also get it on their own)
    const spectator = await registerUser(t.http);
    const watcher = await clients.connect(spectator.token);
    const joined = await request(watcher, 'game:join', { gameId: UPPER(id) });
    expect(joined.ok).toBe(true);
    expect(joined.game.id).toBe(id);
    const updated = nextEvent<{ game: { id: string; moves: unknown[] } }>(watcher, 'game:updated', {
      where: (p) => p.game.id === id,
    });
    await t.http
      .post(`/api/games/${UPPER(id)}/moves`)
      .set(white.auth)
      .send({ move: 'e4' })
      .expect(200);
    expect((await updated).game.id).toBe(id);
  });
});
