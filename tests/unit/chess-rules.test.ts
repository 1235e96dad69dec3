import { Chess } from 'chess.js';
import { outcomeOf, playMove, positionAfter, STARTING_FEN } from '../../backend/modules/games/chess-rules';
import { IllegalMoveError } from '../../backend/modules/games/game-errors';
import { FOOLS_MATE, LOYD_STALEMATE, TO_PROMOTION } from '../support/chess-lines';

/** Plays a list from the start through playMove, as the service does one move at a time. */
function play(moves: string[]): { sans: string[]; last: ReturnType<typeof playMove> | undefined } {
  const sans: string[] = [];
  let last: ReturnType<typeof playMove> | undefined;
  for (const m of moves) {
    last = playMove(sans, m);
    sans.push(last.san);
  }
  return { sans, last };
}

describe('When a move is played from the starting position', () => {
  it('then SAN and from/to squares give the same move, written as SAN', () => {
    const bySan = playMove([], 'e4');
    const bySquares = playMove([], { from: 'e2', to: 'e4' });
    expect(bySan).toEqual(bySquares);
    expect(bySan.san).toBe('e4');
    expect(bySan.turn).toBe('black');
    expect(bySan.fen).toBe('rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1');
    expect(bySan.outcome).toEqual({ status: 'active' });
  });

  it('then the position before any move is the standard one with white to move', () => {
    expect(positionAfter([])).toEqual({
      fen: STARTING_FEN,
      turn: 'white',
      inCheck: false,
      outcome: { status: 'active' },
    });
  });

  it.each([
    ['an illegal SAN', 'e5'],
    ['a move of the wrong side', 'e6'],
    ['text that is no move', 'hello'],
    ['squares with no piece', { from: 'e4', to: 'e5' }],
    ['a knight moved like a bishop', { from: 'g1', to: 'e3' }],
  ])('then %s is an IllegalMoveError (400 ILLEGAL_MOVE)', (_what, move) => {
    expect(() => playMove([], move)).toThrow(IllegalMoveError);
    try {
      playMove([], move);
    } catch (err) {
      expect((err as IllegalMoveError).status).toBe(400);
      expect((err as IllegalMoveError).code).toBe('ILLEGAL_MOVE');
    }
  });
});

describe('When a pawn reaches the last rank', () => {
  it('then a promotion piece is required and the SAN names it', () => {
    const { sans } = play(TO_PROMOTION);
    expect(() => playMove(sans, { from: 'g7', to: 'g8' })).toThrow(IllegalMoveError);
    expect(playMove(sans, { from: 'g7', to: 'g8', promotion: 'q' }).san).toBe('g8=Q+');
    expect(playMove(sans, 'gxh8=N').san).toBe('gxh8=N');
    expect(playMove(sans, 'gxh8=Q').outcome).toEqual({ status: 'checkmate', winner: 'white' });
  });
});

describe('When a game reaches its end by moves', () => {
  it("then fool's mate is checkmate won by black, with the mating move in check", () => {
    const { sans, last } = play(FOOLS_MATE);
    expect(sans).toEqual(['f3', 'e5', 'g4', 'Qh4#']);
    expect(last?.outcome).toEqual({ status: 'checkmate', winner: 'black' });
    expect(last?.inCheck).toBe(true);
    expect(() => playMove(sans, 'a3')).toThrow(IllegalMoveError);
  });

  it("then Loyd's ten-move stalemate is a stalemate, not a win", () => {
    const { last } = play(LOYD_STALEMATE);
    expect(last?.outcome).toEqual({ status: 'stalemate' });
    expect(last?.inCheck).toBe(false);
  });

  it('then knights shuffled back to the start twice more are a draw by threefold repetition', () => {
    const shuffle = ['Nf3', 'Nf6', 'Ng1', 'Ng8'];
    const { last: twice } = play([...shuffle, ...shuffle.slice(0, 3)]);
    expect(twice?.outcome).toEqual({ status: 'active' });
    const { last } = play([...shuffle, ...shuffle]);
    expect(last?.outcome).toEqual({ status: 'draw', reason: 'threefold-repetition' });
  });
});

describe('When a position is judged', () => {
  it.each([
    ['bare kings', '8/8/4k3/8/8/4K3/8/8 w - - 0 1', { status: 'draw', reason: 'insufficient-material' }],
    [
      'king and bishop against king',
      '8/8/4k3/8/8/4KB2/8/8 b - - 0 1',
      {
        status: 'draw',
        reason: 'insufficient-material',
      },
    ],
    [
      'a hundred half-moves without capture or pawn move',
      '8/8/4k3/8/8/4K3/4R3/8 b - - 100 80',
      {
        status: 'draw',
        reason: 'fifty-move-rule',
      },
    ],
    ['ninety-nine of them', '8/8/4k3/8/8/4K3/4R3/8 b - - 99 80', { status: 'active' }],
    ['a cornered king with no move', '7k/5Q2/6K1/8/8/8/8/8 b - - 0 1', { status: 'stalemate' }],
    ['a back-rank mate threatened', '6k1/5ppp/8/8/8/8/8/R5K1 b - - 0 1', { status: 'active' }],
    [
      'the same mate delivered',
      'R5k1/5ppp/8/8/8/8/8/6K1 b - - 0 1',
      { status: 'checkmate', winner: 'white' },
    ],
  ])('then %s is classified as such', (_what, fen, outcome) => {
    expect(outcomeOf(new Chess(fen))).toEqual(outcome);
  });
});
