import { Types } from 'mongoose';
import { registerUser, type TestUser } from '../support/api-users';
import { ackProblems, ackSchemas } from '../support/asyncapi-acks';
import { FOOLS_MATE } from '../support/chess-lines';
import type { JsonBody } from '../support/http-json';
import { nextEvent, record, request, SocketClients } from '../support/socket-clients';
import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
const clients = new SocketClients(() => t.url);
let white: TestUser;
let black: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  t = await startTestServer();
  [white, black, stranger] = await Promise.all([
    registerUser(t.http),
    registerUser(t.http),
    registerUser(t.http),
  ]);
});
afterAll(async () => {
  clients.closeAll();
  await t.close();
});

const games = () => t.server.services.mongo.collection('games');

async function activeGame(): Promise<JsonBody> {
  const created = await t.http
    .post('/api/games')
    .set(white.auth)
    .send({ opponentId: black.id, color: 'white' })
    .expect(201);
  const accepted = await t.http.post(`/api/games/${created.body.game.id}/accept`).set(black.auth).expect(200);
  return accepted.body.game;
}

describe('When games are played over REST', () => {
  it('then create, accept, moves and resign answer {game} in the contract shape, and the list {games, nextCursor}', async () => {
    const created = await t.http
      .post('/api/games')
      .set(white.auth)
      .send({ opponentId: black.id, color: 'white' });
    expect(created.status).toBe(201);
    expect(created.body.game).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      white: white.id,
      black: black.id,
      challenger: white.id,
      status: 'pending',
      fen: 'rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1',
      moves: [],
      turn: 'white',
      inCheck: false,
      winner: null,
      drawReason: null,
      version: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.game.id;
    await t.http.post(`/api/games/${id}/accept`).set(black.auth).expect(200);
    const e4 = await t.http.post(`/api/games/${id}/moves`).set(white.auth).send({ move: 'e4', version: 1 });
    expect(e4.status).toBe(200);
    expect(e4.body.game).toMatchObject({ moves: ['e4'], turn: 'black', version: 2 });
    const e5 = await t.http
      .post(`/api/games/${id}/moves`)
      .set(black.auth)
      .send({ move: { from: 'e7', to: 'e5' } });
    expect(e5.body.game).toMatchObject({ moves: ['e4', 'e5'], version: 3 });
    const resigned = await t.http.post(`/api/games/${id}/resign`).set(black.auth).expect(200);
    expect(resigned.body.game).toMatchObject({ status: 'resigned', winner: white.id, version: 4 });
    expect((await t.http.get(`/api/games/${id}`).set(white.auth).expect(200)).body.game).toEqual(
      resigned.body.game,
    );
    const list = await t.http.get('/api/games?status=resigned&limit=5').set(black.auth).expect(200);
    expect(list.body).toEqual({ games: [resigned.body.game], nextCursor: null });
  });

  it('then a stale version is 409 CONFLICT with the current game in details', async () => {
    const game = await activeGame();
    await t.http.post(`/api/games/${game.id}/moves`).set(white.auth).send({ move: 'd4' }).expect(200);
    const res = await t.http
      .post(`/api/games/${game.id}/moves`)
      .set(black.auth)
      .send({ move: 'd5', version: game.version });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({
      code: 'CONFLICT',
      message: expect.any(String),
      details: [
        {
          path: 'version',
          message: expect.any(String),
          game: expect.objectContaining({ id: game.id, moves: ['d4'], version: game.version + 1 }),
        },
      ],
    });
  });
});

describe('When a games request is bad', () => {
  const other = () => new Types.ObjectId().toHexString();
  type Who = 'white' | 'black' | 'stranger';
  it.each<{
    what: string;
    get?: string;
    post?: string;
    body?: object;
    as?: Who;
    status: number;
    code: string;
  }>([
    {
      what: 'a malformed id',
      post: '/api/games/nope/moves',
      body: { move: 'e4' },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      what: 'an unknown game',
      post: `/api/games/${other()}/moves`,
      body: { move: 'e4' },
      status: 404,
      code: 'NOT_FOUND',
    },
    { what: 'reading an unknown game', get: `/api/games/${other()}`, status: 404, code: 'NOT_FOUND' },
    { what: 'a move that is a number', body: { move: 42 }, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'a move with an operator', body: { move: { $gt: '' } }, status: 400, code: 'VALIDATION_FAILED' },
    {
      what: 'an off-board square',
      body: { move: { from: 'e2', to: 'e9' } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    { what: 'an unknown field', body: { move: 'e4', board: 'mine' }, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'a negative version', body: { move: 'e4', version: -1 }, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'an illegal SAN', body: { move: 'e5' }, status: 400, code: 'ILLEGAL_MOVE' },
    { what: 'a move out of turn', body: { move: 'e5' }, as: 'black', status: 409, code: 'NOT_YOUR_TURN' },
    { what: "a stranger's move", body: { move: 'e4' }, as: 'stranger', status: 403, code: 'FORBIDDEN' },
    { what: 'an unknown status', get: '/api/games?status=won', status: 400, code: 'VALIDATION_FAILED' },
    { what: 'a query operator', get: '/api/games?status[$ne]=x', status: 400, code: 'VALIDATION_FAILED' },
  ])('then $what is $status $code and the game is unchanged', async (row) => {
    const game = await activeGame();
    const who = { white, black, stranger }[row.as ?? 'white'];
    const req = row.get
      ? t.http.get(row.get)
      : t.http.post(row.post ?? `/api/games/${game.id}/moves`).send(row.body);
    const res = await req.set(who.auth);
    expect(res.status).toBe(row.status);
    expect(res.body.error).toEqual(expect.objectContaining({ code: row.code, message: expect.any(String) }));
    expect((await t.http.get(`/api/games/${game.id}`).set(white.auth)).body.game).toEqual(game);
  });

  it('then challenging oneself is 400, a missing opponent 404, a bad colour 400, and none writes a game', async () => {
    const before = await games().countDocuments();
    const post = (body: object) => t.http.post('/api/games').set(white.auth).send(body);
    expect((await post({ opponentId: white.id })).status).toBe(400);
    expect((await post({ opponentId: new Types.ObjectId().toHexString() })).status).toBe(404);
    expect((await post({ opponentId: black.id, color: 'green' })).status).toBe(400);
    expect((await post({ opponentId: 'x' })).status).toBe(400);
    expect((await t.http.post('/api/games').send({ opponentId: black.id })).status).toBe(401);
    expect(await games().countDocuments()).toBe(before);
  });

  it('then accepting twice answers the same game, and accepting a finished one is 409 GAME_NOT_PENDING', async () => {
    const game = await activeGame();
    const again = await t.http.post(`/api/games/${game.id}/accept`).set(black.auth);
    expect(again.status).toBe(200);
    expect(again.body.game).toEqual(game);
    await t.http.post(`/api/games/${game.id}/resign`).set(white.auth).expect(200);
    const late = await t.http.post(`/api/games/${game.id}/accept`).set(black.auth);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('GAME_NOT_PENDING');
  });
});

describe('When games are played over sockets', () => {
  it("then game:move acks {ok, game}, game:updated reaches both players' devices and a spectator, and game:join answers the current game", async () => {
    const game = await activeGame();
    const [w, b, s] = await Promise.all([
      clients.connect(white.token),
      clients.connect(black.token),
      clients.connect(stranger.token),
    ]);
    const joined = await request(s, 'game:join', { gameId: game.id });
    expect(joined).toEqual({ ok: true, game });
    const seen = [w, b, s].map((socket) => record<{ game: JsonBody }>(socket, 'game:updated'));
    let current = game;
    for (const move of FOOLS_MATE) {
      const mover = current.turn === 'white' ? w : b;
      const all = [w, b, s].map((socket) =>
        nextEvent<{ game: JsonBody }>(socket, 'game:updated', {
          where: (p) => p.game.version === current.version + 1,
        }),
      );
      const ack = await request(mover, 'game:move', { gameId: game.id, move, version: current.version });
      expect(ack.ok).toBe(true);
      for (const pushed of await Promise.all(all)) expect(pushed.game).toEqual(ack.game);
      current = ack.game;
    }
    expect(current).toMatchObject({ status: 'checkmate', winner: black.id });
    for (const list of seen) expect(list.map((p) => p.game.version)).toEqual([2, 3, 4, 5]);
    // the game is over: a spectator may no longer read it, and leaving still succeeds
    expect(await request(s, 'game:leave', { gameId: game.id })).toEqual({ ok: true, game: null });
    expect(await request(w, 'game:join', { gameId: game.id })).toEqual({ ok: true, game: current });
  });

  it('then bad game events are refused in the ack shape and change nothing', async () => {
    const game = await activeGame();
    const [w, s] = await Promise.all([clients.connect(white.token), clients.connect(stranger.token)]);
    const refused = async (socket: typeof w, event: string, payload: object, code: string) => {
      const ack = await request(socket, event, payload);
      expect(ack).toEqual({
        ok: false,
        error: expect.objectContaining({ code, message: expect.any(String) }),
      });
    };
    await refused(w, 'game:move', { gameId: 'nope', move: 'e4' }, 'VALIDATION_FAILED');
    await refused(w, 'game:move', { gameId: game.id, move: 'e5' }, 'ILLEGAL_MOVE');
    await refused(w, 'game:move', { gameId: game.id, move: 'e4', version: 0 }, 'CONFLICT');
    await refused(s, 'game:move', { gameId: game.id, move: 'e4' }, 'FORBIDDEN');
    await refused(w, 'game:join', { gameId: new Types.ObjectId().toHexString() }, 'NOT_FOUND');
    const pending = await t.http
      .post('/api/games')
      .set(white.auth)
      .send({ opponentId: black.id })
      .expect(201);
    await refused(s, 'game:join', { gameId: pending.body.game.id }, 'NOT_FOUND');
    expect((await t.http.get(`/api/games/${game.id}`).set(white.auth)).body.game).toEqual(game);
  });

  it('then a socket that left the room still hears its own games on its user room, a spectator that left hears nothing', async () => {
    const game = await activeGame();
    const [w, s] = await Promise.all([clients.connect(white.token), clients.connect(stranger.token)]);
    await request(s, 'game:join', { gameId: game.id });
    await request(w, 'game:join', { gameId: game.id });
    await request(s, 'game:leave', { gameId: game.id });
    await request(w, 'game:leave', { gameId: game.id });
    const heardBySpectator = record(s, 'game:updated');
    const toWhite = nextEvent<{ game: JsonBody }>(w, 'game:updated');
    await t.http.post(`/api/games/${game.id}/moves`).set(white.auth).send({ move: 'e4' }).expect(200);
    expect((await toWhite).game.moves).toEqual(['e4']);
    // a later event on the spectator's own user room proves anything sent before it has arrived
    const marker = nextEvent(s, 'notification:new');
    await t.http.put(`/api/users/${stranger.id}/follow`).set(white.auth).expect(200);
    await marker;
    expect(heardBySpectator).toEqual([]);
  });
});

describe('When a player syncs after missing game events', () => {
  it('then sync answers each game of theirs that changed, as it is now', async () => {
    const since = new Date();
    await new Promise((r) => setTimeout(r, 5)); // a distinct millisecond after `since`
    const game = await activeGame();
    const moved = await t.http.post(`/api/games/${game.id}/moves`).set(white.auth).send({ move: 'c4' });
    const b = await clients.connect(black.token);
    const synced = await request(b, 'sync', { since: since.toISOString() });
    expect(synced.ok).toBe(true);
    expect(synced.games.filter((g: JsonBody) => g.id === game.id)).toEqual([moved.body.game]);
    expect(synced.notifications.map((n: JsonBody) => [n.kind, n.gameId, n.text ?? null])).toEqual(
      expect.arrayContaining([
        ['game_invite', game.id, null],
        ['game_move', game.id, 'c4'],
      ]),
    );
  });
});

describe('When game events are acknowledged', () => {
  it('then each ack, and the sync reply with its games, matches /asyncapi.json', async () => {
    const ackOf = await ackSchemas(t.http);
    const game = await activeGame();
    const w = await clients.connect(white.token);
    const calls: Array<[string, unknown]> = [
      ['game:join', { gameId: game.id }],
      ['game:move', { gameId: game.id, move: 'e4', version: game.version }],
      ['game:leave', { gameId: game.id }],
      ['game:join', { gameId: new Types.ObjectId().toHexString() }],
      ['sync', { since: new Date(0).toISOString() }],
    ];
    expect(await ackProblems(w, calls, ackOf)).toEqual([]);
    // a wrong ack would be caught: the success shape of another event
    expect(ackOf('game:join')({ ok: true, online: {} })).toBe(false);
    expect(
      ackOf('sync')({ ok: true, messages: [], notifications: [], games: [{}], hasMore: false, until: '' }),
    ).toBe(false);
  });
});
