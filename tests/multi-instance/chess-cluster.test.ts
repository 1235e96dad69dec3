import supertest from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { FOOLS_MATE } from '../support/chess-lines';
import { type JsonBody, requestJson } from '../support/http-json';
import { type ClientSocket, nextEvent, record, request } from '../support/socket-clients';
import { twoInstances } from '../support/two-instances';

/**
 * Chess on two real instances sharing Mongo and Redis (socket.adapter=redis): the players on
 * different instances, and the races a game must survive without a lock or a transaction.
 */
const two = twoInstances(() => ({ SOCKET_ADAPTER: 'redis' }));
const { clients } = two;

const api = (base: string, path: string, token: string, body?: unknown) =>
  requestJson(`${base}${path}`, { token, ...(body === undefined ? {} : { body }) });

async function players(): Promise<[TestUser, TestUser]> {
  return Promise.all([registerUser(supertest(two.A)), registerUser(supertest(two.B))]);
}

/** An accepted game: challenged on A, accepted on B. */
async function activeGame(white: TestUser, black: TestUser): Promise<JsonBody> {
  const created = await api(two.A, '/api/games', white.token, { opponentId: black.id, color: 'white' });
  expect(created.status).toBe(201);
  const accepted = await api(two.B, `/api/games/${created.body.game.id}/accept`, black.token, {});
  expect(accepted.status).toBe(200);
  return accepted.body.game;
}

const updatedTo = (socket: ClientSocket, version: number) =>
  nextEvent<{ game: JsonBody }>(socket, 'game:updated', { where: (p) => p.game.version === version });

describe('When two players on different instances play a game', () => {
  it("then fool's mate is played move by move over sockets, each side sees every game:updated, and the game ends in checkmate", async () => {
    const [white, black] = await players();
    const whiteOnA = await clients.connect(white.token, { url: two.A });
    const blackOnB = await clients.connect(black.token, { url: two.B });
    const invited = nextEvent<{ game: JsonBody }>(blackOnB, 'game:updated');
    const invite = nextEvent<{ notification: JsonBody }>(blackOnB, 'notification:new');
    const created = await request(whiteOnA, 'game:join', {
      gameId: (await api(two.A, '/api/games', white.token, { opponentId: black.id, color: 'white' })).body
        .game.id,
    });
    expect((await invited).game).toEqual(created.game);
    expect((await invite).notification).toMatchObject({ kind: 'game_invite', gameId: created.game.id });

    const accepted = updatedTo(whiteOnA, 1);
    await api(two.B, `/api/games/${created.game.id}/accept`, black.token, {});
    let game = (await accepted).game;
    const heardByWhite = record<{ game: JsonBody }>(whiteOnA, 'game:updated');
    const heardByBlack = record<{ game: JsonBody }>(blackOnB, 'game:updated');

    for (const move of FOOLS_MATE) {
      const [mover, other] = game.turn === 'white' ? [whiteOnA, blackOnB] : [blackOnB, whiteOnA];
      const seenByOther = updatedTo(other, game.version + 1);
      const seenByMover = updatedTo(mover, game.version + 1);
      const ack = await request(mover, 'game:move', { gameId: game.id, move, version: game.version });
      expect(ack).toEqual({ ok: true, game: expect.objectContaining({ version: game.version + 1 }) });
      expect((await seenByOther).game).toEqual(ack.game);
      expect((await seenByMover).game).toEqual(ack.game);
      game = ack.game;
    }
    expect(game).toMatchObject({ status: 'checkmate', winner: black.id, moves: FOOLS_MATE });
    expect(heardByWhite.map((p) => p.game.version)).toEqual([2, 3, 4, 5]);
    expect(heardByBlack.map((p) => p.game.version)).toEqual([2, 3, 4, 5]);
    const afterMate = await request(whiteOnA, 'game:move', { gameId: game.id, move: 'a3' });
    expect(afterMate).toEqual({ ok: false, error: expect.objectContaining({ code: 'GAME_NOT_ACTIVE' }) });
  });

  it('then a resignation on B ends the game for the player on A', async () => {
    const [white, black] = await players();
    const game = await activeGame(white, black);
    const whiteOnA = await clients.connect(white.token, { url: two.A });
    const over = nextEvent<{ notification: JsonBody }>(whiteOnA, 'notification:new', {
      where: (p) => p.notification.kind === 'game_over',
    });
    const ended = updatedTo(whiteOnA, game.version + 1);
    const res = await api(two.B, `/api/games/${game.id}/resign`, black.token, {});
    expect(res.body.game).toMatchObject({ status: 'resigned', winner: white.id });
    expect((await ended).game).toEqual(res.body.game);
    expect((await over).notification).toMatchObject({ gameId: game.id, text: 'resigned' });
  });
});

describe('When 50 copies of one move arrive at once, split across two instances', () => {
  it('then exactly one is applied and the other 49 are 409 CONFLICT carrying that game', async () => {
    const [white, black] = await players();
    const game = await activeGame(white, black);
    const blackOnB = await clients.connect(black.token, { url: two.B });
    const heard = record<{ game: JsonBody }>(blackOnB, 'game:updated');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api(i % 2 === 0 ? two.A : two.B, `/api/games/${game.id}/moves`, white.token, {
          move: 'e4',
          version: game.version,
        }),
      ),
    );
    const applied = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status !== 200);
    expect(applied).toHaveLength(1);
    expect(refused.map((r) => r.status)).toEqual(Array(49).fill(409));
    const now = (await api(two.A, `/api/games/${game.id}`, black.token)).body.game;
    expect(now).toMatchObject({ moves: ['e4'], version: game.version + 1, turn: 'black' });
    expect(applied[0]!.body.game).toEqual(now);
    for (const r of refused) {
      expect(r.body.error.code).toBe('CONFLICT');
      expect(r.body.error.details[0].game).toEqual(now);
    }
    // black's own reply is the marker: everything pushed before it has arrived
    const reply = updatedTo(blackOnB, now.version + 1);
    await api(two.B, `/api/games/${game.id}/moves`, black.token, { move: 'e5', version: now.version });
    await reply;
    expect(heard.map((p) => p.game.moves)).toEqual([['e4'], ['e4', 'e5']]);
    const notes = await api(two.A, '/api/notifications', black.token);
    expect(
      notes.body.notifications.filter((n: JsonBody) => n.gameId === game.id && n.kind === 'game_move'),
    ).toHaveLength(1);
  });
});

describe('When a player drops mid-game and comes back on the other instance', () => {
  it('then game:join and sync there give the move they missed, and the game goes on', async () => {
    const [white, black] = await players();
    const game = await activeGame(white, black);
    const whiteOnA = await clients.connect(white.token, { url: two.A });
    const blackOnB = await clients.connect(black.token, { url: two.B });
    await request(whiteOnA, 'game:join', { gameId: game.id });
    const e4 = await request(whiteOnA, 'game:move', { gameId: game.id, move: 'e4', version: game.version });
    const droppedAt = new Date().toISOString();
    whiteOnA.disconnect();
    const c5 = await request(blackOnB, 'game:move', {
      gameId: game.id,
      move: 'c5',
      version: e4.game.version,
    });
    expect(c5.ok).toBe(true);

    const whiteOnB = await clients.connect(white.token, { url: two.B });
    const joined = await request(whiteOnB, 'game:join', { gameId: game.id });
    expect(joined).toEqual({ ok: true, game: c5.game });
    const synced = await request(whiteOnB, 'sync', { since: droppedAt });
    expect(synced.games).toEqual([c5.game]);
    expect(synced.notifications).toEqual([
      expect.objectContaining({ kind: 'game_move', gameId: game.id, text: 'c5' }),
    ]);

    const toBlack = updatedTo(blackOnB, c5.game.version + 1);
    const nf3 = await request(whiteOnB, 'game:move', {
      gameId: game.id,
      move: 'Nf3',
      version: joined.game.version,
    });
    expect(nf3.game.moves).toEqual(['e4', 'c5', 'Nf3']);
    expect((await toBlack).game).toEqual(nf3.game);
  });
});
