import { Types } from 'mongoose';
import { AppError } from '../../backend/errors/app-error';
import { createGameService } from '../../backend/features/chess/chess-feature';
import { getGameModel } from '../../backend/features/chess/game-model';
import { gameRoom } from '../../backend/features/chess/game-room';
import type { GameService } from '../../backend/features/chess/game-service';
import type { PublicGame } from '../../backend/features/chess/game-view';
import { getUserModel } from '../../backend/modules/users/user-model';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { registerUser, type TestUser } from '../support/api-users';
import { FOOLS_MATE, LOYD_STALEMATE } from '../support/chess-lines';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let games: GameService;
const sent = new RecordingNotifier();
let white: TestUser;
let black: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  t = await createTestApp();
  t.services.notifier.attach(sent);
  // the service the feature builds, on the app's notifier and notifications
  games = createGameService({
    mongo: t.services.mongo,
    userExists: async (id) => (await getUserModel(t.services.mongo).exists({ _id: id })) !== null,
    notifier: t.services.notifier,
    activity: t.services.notifications,
  });
  [white, black, stranger] = await threeUsers();
});
afterAll(() => t.close());
beforeEach(() => sent.clear());

async function threeUsers(): Promise<[TestUser, TestUser, TestUser]> {
  return Promise.all([registerUser(t.http), registerUser(t.http), registerUser(t.http)]);
}

const gameIn = (err: AppError) => (err.details?.[0] as { game?: PublicGame } | undefined)?.game;

/** What a call fails with, as the contract's error body would carry it. */
async function failure(call: Promise<unknown>): Promise<{ status: number; code: string; game?: PublicGame }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const game = gameIn(err);
    return { status: err.status, code: err.code, ...(game ? { game } : {}) };
  }
  throw new Error('expected the call to fail');
}

async function activeGame(): Promise<PublicGame> {
  const pending = await games.create(white.id, { opponentId: black.id, color: 'white' });
  return games.accept(black.id, pending.id);
}

async function playAll(game: PublicGame, moves: string[]): Promise<PublicGame> {
  let g = game;
  for (const move of moves) g = await games.move(g[g.turn], g.id, { move, version: g.version });
  return g;
}

const kindsFor = async (u: TestUser) =>
  (await t.services.notifications.list(u.id, { limit: 100 })).notifications.map((n) => [n.kind, n.text]);

describe('When a player challenges another', () => {
  it('then the game is pending at version 0 with the chosen colours, announced to both and the invitee notified', async () => {
    const game = await games.create(white.id, { opponentId: black.id, color: 'black' });
    expect(game).toMatchObject({
      white: black.id,
      black: white.id,
      challenger: white.id,
      status: 'pending',
      moves: [],
      turn: 'white',
      winner: null,
      version: 0,
    });
    expect(sent.to(white.id, 'game:updated')).toHaveLength(1);
    expect(sent.to(black.id, 'game:updated')).toHaveLength(1);
    expect(sent.inRoom(gameRoom(game.id), 'game:updated')).toHaveLength(1);
    const [invite] = (await t.services.notifications.list(black.id, { limit: 1 })).notifications;
    expect(invite).toMatchObject({ kind: 'game_invite', gameId: game.id, actor: { id: white.id } });
    expect(sent.to(black.id, 'notification:new')).toHaveLength(1);
  });

  it('then a random colour gives both colours over enough games, the challenger always a player', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const g = await games.create(white.id, { opponentId: black.id });
      seen.add(g.white === white.id ? 'white' : 'black');
      expect([g.white, g.black].sort()).toEqual([white.id, black.id].sort());
    }
    expect(seen).toEqual(new Set(['white', 'black']));
  });

  it('then challenging oneself is 400 and a missing user 404, and no game is written', async () => {
    const before = await getGameModel(t.services.mongo).countDocuments();
    expect(await failure(games.create(white.id, { opponentId: white.id }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    const nobody = new Types.ObjectId().toHexString();
    expect(await failure(games.create(white.id, { opponentId: nobody }))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    expect(await getGameModel(t.services.mongo).countDocuments()).toBe(before);
  });
});

describe('When an invitation is answered', () => {
  it('then only the invited player accepts; a retried accept answers the same game without a second announcement', async () => {
    const pending = await games.create(white.id, { opponentId: black.id, color: 'white' });
    expect(await failure(games.accept(white.id, pending.id))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await failure(games.accept(stranger.id, pending.id))).toMatchObject({ status: 404 });
    sent.clear();
    const [a, b] = await Promise.all([
      games.accept(black.id, pending.id),
      games.accept(black.id, pending.id),
    ]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'active', version: 1 });
    expect(sent.to(white.id, 'game:updated')).toHaveLength(1);
    expect(await games.accept(black.id, pending.id)).toEqual(a);
  });

  it('then a pending game refuses moves and resignation with GAME_NOT_ACTIVE', async () => {
    const pending = await games.create(white.id, { opponentId: black.id, color: 'white' });
    expect(await failure(games.move(white.id, pending.id, { move: 'e4' }))).toMatchObject({
      status: 409,
      code: 'GAME_NOT_ACTIVE',
      game: pending,
    });
    expect(await failure(games.resign(black.id, pending.id))).toMatchObject({ code: 'GAME_NOT_ACTIVE' });
    expect(await games.get(white.id, pending.id)).toEqual(pending);
  });
});

describe('When the players move', () => {
  it("then fool's mate ends the game as checkmate won by black, each move pushed and the loser told", async () => {
    const start = await activeGame();
    sent.clear();
    const end = await playAll(start, FOOLS_MATE);
    expect(end).toMatchObject({
      status: 'checkmate',
      winner: black.id,
      moves: FOOLS_MATE,
      inCheck: true,
      version: start.version + 4,
    });
    const pushed = sent.to(white.id, 'game:updated').map((e) => (e.payload as { game: PublicGame }).game);
    expect(pushed.map((g) => g.version)).toEqual([2, 3, 4, 5]);
    expect(pushed.at(-1)).toEqual(end);
    expect((await kindsFor(white)).slice(0, 2)).toEqual([
      ['game_over', 'checkmate (Qh4#)'],
      ['game_move', 'e5'],
    ]);
    expect(await failure(games.move(white.id, end.id, { move: 'a3' }))).toMatchObject({
      status: 409,
      code: 'GAME_NOT_ACTIVE',
    });
    expect(await games.get(white.id, end.id)).toEqual(end);
  });

  it("then Loyd's stalemate ends the game with no winner", async () => {
    const end = await playAll(await activeGame(), LOYD_STALEMATE);
    expect(end).toMatchObject({ status: 'stalemate', winner: null, turn: 'black' });
    expect((await kindsFor(black))[0]).toEqual(['game_over', 'stalemate (Qe6)']);
  });

  it('then a move out of turn is 409 NOT_YOUR_TURN and an illegal one 400 ILLEGAL_MOVE, neither changing the game', async () => {
    const game = await activeGame();
    sent.clear();
    expect(await failure(games.move(black.id, game.id, { move: 'e5' }))).toMatchObject({
      status: 409,
      code: 'NOT_YOUR_TURN',
      game,
    });
    expect(await failure(games.move(white.id, game.id, { move: 'e5' }))).toMatchObject({
      status: 400,
      code: 'ILLEGAL_MOVE',
    });
    expect(await failure(games.move(white.id, game.id, { move: { from: 'e2', to: 'e5' } }))).toMatchObject({
      status: 400,
      code: 'ILLEGAL_MOVE',
    });
    expect(await games.get(white.id, game.id)).toEqual(game);
    expect(sent.emits).toEqual([]);
  });

  it('then a stale version is 409 CONFLICT carrying the current game', async () => {
    const game = await activeGame();
    const after = await games.move(white.id, game.id, { move: 'e4', version: game.version });
    expect(await failure(games.move(black.id, game.id, { move: 'e5', version: game.version }))).toEqual({
      status: 409,
      code: 'CONFLICT',
      game: after,
    });
    expect(await games.get(black.id, game.id)).toEqual(after);
  });

  it('then ten copies of one move at once leave one move applied and nine CONFLICTs with the winner', async () => {
    const game = await activeGame();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => games.move(white.id, game.id, { move: 'd4' })),
    );
    const applied = results.filter((r) => r.status === 'fulfilled');
    expect(applied).toHaveLength(1);
    const now = await games.get(white.id, game.id);
    expect(now).toMatchObject({ moves: ['d4'], version: game.version + 1 });
    for (const r of results.filter((x) => x.status === 'rejected')) {
      const err = r.reason as AppError;
      expect(['CONFLICT', 'NOT_YOUR_TURN']).toContain(err.code);
      expect(gameIn(err)).toEqual(now);
    }
  });
});

describe('When a player resigns', () => {
  it('then the other player wins, is told, and the game refuses everything after', async () => {
    const game = await playAll(await activeGame(), ['e4']);
    const end = await games.resign(white.id, game.id);
    expect(end).toMatchObject({ status: 'resigned', winner: black.id, version: game.version + 1 });
    expect((await kindsFor(black))[0]).toEqual(['game_over', 'resigned']);
    expect(await failure(games.resign(black.id, game.id))).toMatchObject({ code: 'GAME_NOT_ACTIVE' });
    expect(await failure(games.move(black.id, game.id, { move: 'e5' }))).toMatchObject({
      code: 'GAME_NOT_ACTIVE',
    });
  });
});

describe('When someone who does not play looks at a game', () => {
  it('then an active game can be watched but not played, and pending and finished games are not found', async () => {
    const pending = await games.create(white.id, { opponentId: black.id, color: 'white' });
    expect(await failure(games.get(stranger.id, pending.id))).toMatchObject({ status: 404 });
    const active = await games.accept(black.id, pending.id);
    expect(await games.get(stranger.id, active.id)).toEqual(active);
    expect(await failure(games.move(stranger.id, active.id, { move: 'e4' }))).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(await failure(games.resign(stranger.id, active.id))).toMatchObject({ status: 403 });
    await games.resign(black.id, active.id);
    expect(await failure(games.get(stranger.id, active.id))).toMatchObject({ status: 404 });
    expect(await failure(games.get(white.id, new Types.ObjectId().toHexString()))).toMatchObject({
      status: 404,
    });
  });
});

describe('When a player lists their games', () => {
  it('then they come newest first, filtered by status, in cursor pages that cover each once', async () => {
    const [me, a, b] = await threeUsers();
    const first = await games.create(me.id, { opponentId: a.id });
    const second = await games.create(b.id, { opponentId: me.id });
    const third = await games.accept(a.id, (await games.create(me.id, { opponentId: a.id })).id);
    const all = await games.list(me.id, { limit: 10 });
    expect(all.items.map((g) => g.id)).toEqual([third.id, second.id, first.id]);
    const pending = await games.list(me.id, { status: 'pending', limit: 10 });
    expect(pending.items.map((g) => g.id)).toEqual([second.id, first.id]);
    const page1 = await games.list(me.id, { limit: 2 });
    const page2 = await games.list(me.id, { limit: 2, cursor: page1.nextCursor ?? undefined });
    expect([...page1.items, ...page2.items].map((g) => g.id)).toEqual(all.items.map((g) => g.id));
    expect(page2.nextCursor).toBeNull();
    expect((await games.list(stranger.id, { limit: 10 })).items.map((g) => g.id)).not.toContain(first.id);
  });
});

describe('When a game is stored with the position after its last capture or pawn move', () => {
  const shuffle = ['Nf6', 'Nf3', 'Ng8', 'Ng1'];
  const stored = (id: string) => getGameModel(t.services.mongo).findById(id).lean();

  it('then a capture sets the replay start, and a threefold repetition starting there ends the game as a draw', async () => {
    const game = await playAll(await activeGame(), ['e4', 'd5', 'exd5', 'Nf6']);
    expect(await stored(game.id)).toMatchObject({
      replayFen: 'rnbqkbnr/ppp1pppp/8/3P4/8/8/PPPP1PPP/RNBQKBNR b KQkq - 0 2',
      replayIndex: 3,
    });
    const over = await playAll(game, [...shuffle.slice(1), ...shuffle]);
    expect(over).toMatchObject({ status: 'draw', drawReason: 'threefold-repetition' });
  });

  it('then a game stored before replay starts were kept is replayed from the first move and still reaches threefold repetition', async () => {
    const game = await playAll(await activeGame(), ['e4', 'd5', 'exd5', 'Nf6', 'Nf3']);
    await getGameModel(t.services.mongo).updateOne(
      { _id: game.id },
      { $unset: { replayFen: 1, replayIndex: 1 } },
    );
    expect((await stored(game.id))?.replayFen).toBeUndefined();
    const over = await playAll(game, [...shuffle.slice(2), ...shuffle]);
    expect(over).toMatchObject({ status: 'draw', drawReason: 'threefold-repetition' });
  });

  it('then moves before the replay start are not read: the next move is played though they are unreadable', async () => {
    const game = await playAll(await activeGame(), ['e4', 'd5', 'exd5', 'Nf6']);
    await getGameModel(t.services.mongo).updateOne({ _id: game.id }, { $set: { 'moves.0': 'unreadable' } });
    const next = await games.move(white.id, game.id, { move: 'Nf3', version: game.version });
    expect(next.moves).toEqual(['unreadable', 'd5', 'exd5', 'Nf6', 'Nf3']);
    expect(next.turn).toBe('black');
  });
});
