import { Chess } from 'chess.js';
import {
  FROM_THE_START,
  outcomeOf,
  playMove,
  positionAfter,
  type ReplayStart,
  STARTING_FEN,
} from '../../backend/features/chess/chess-rules';
import { IllegalMoveError } from '../../backend/features/chess/illegal-move-error';
import { FOOLS_MATE, LOYD_STALEMATE, TO_PROMOTION } from '../support/chess-lines';
import { longGame } from '../support/chess-long-game';

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

/** Plays a list one move at a time from the replay start each move returned, as the service does. */
function playFromTails(moves: readonly string[]): Array<ReturnType<typeof playMove>> {
  const played: Array<ReturnType<typeof playMove>> = [];
  let start: ReplayStart = FROM_THE_START;
  for (let i = 0; i < moves.length; i++) {
    const last = playMove(moves.slice(0, i), moves[i]!, start);
    played.push(last);
    start = last.replayStart;
  }
  return played;
}

describe('When moves are replayed from the last capture or pawn move', () => {
  const game = longGame(300);
  const played = playFromTails(game);
  it('then a move that is neither keeps the replay start, and a capture or pawn move starts it after itself', () => {
    const [e4, d5, nf3, nc6, exd5] = playFromTails(['e4', 'd5', 'Nf3', 'Nc6', 'exd5']);
    expect(e4?.replayStart).toEqual({ fen: e4?.fen, index: 1 });
    expect(d5?.replayStart.index).toBe(2);
    expect(nf3?.replayStart).toEqual(d5?.replayStart);
    expect(nc6?.replayStart).toEqual(d5?.replayStart);
    expect(exd5?.replayStart).toEqual({ fen: exd5?.fen, index: 5 });
  });

  it('then a threefold repetition whose first occurrence is the position after a capture is still a draw', () => {
    const shuffle = ['Nf6', 'Nf3', 'Ng8', 'Ng1'];
    const line = playFromTails(['e4', 'd5', 'exd5', ...shuffle, ...shuffle]);
    expect(line.at(-1)?.replayStart.index).toBe(3);
    expect(line.at(-2)?.outcome).toEqual({ status: 'active' });
    expect(line.at(-1)?.outcome).toEqual({ status: 'draw', reason: 'threefold-repetition' });
  });

  it('then a position after a double step that allows en passant is not the same position once that right is gone', () => {
    // after 3...d5 white may take en passant (exd6); the knights' return gives the board but not that right
    const line = ['e4', 'Nf6', 'e5', 'd5', 'Nf3', 'Ng8', 'Ng1', 'Nf6', 'Nf3', 'Ng8', 'Ng1', 'Nf6'];
    const afterEach = playFromTails(line);
    expect(afterEach[3]?.replayStart.fen.split(' ')[3]).toBe('d6');
    expect(afterEach.map((p) => p.outcome)).toEqual(line.map(() => ({ status: 'active' })));
    const whole = new Chess();
    for (const san of line) whole.move(san);
    expect(whole.isThreefoldRepetition()).toBe(false);
  });

  it('then every position and outcome of a 300-half-move game is the one a replay of the whole list gives', () => {
    expect(game).toHaveLength(300);
    const whole = new Chess();
    game.forEach((san, i) => {
      whole.move(san);
      expect({ fen: played[i]?.fen, outcome: played[i]?.outcome }).toEqual({
        fen: whole.fen(),
        outcome: outcomeOf(whole),
      });
    });
  });

  it('then each move of a 300-half-move game reads at most the last 100 moves, and none before its replay start', () => {
    for (let i = 1; i < game.length; i++) {
      const start = played[i - 1]!.replayStart;
      expect(i - start.index).toBeLessThanOrEqual(100);
      // moves before the replay start made unreadable: the move is played all the same
      const unreadable = game.slice(0, i).map((san, j) => (j < start.index ? 'not a move' : san));
      expect(playMove(unreadable, game[i]!, start)).toEqual(played[i]);
    }
    expect(played.at(-1)!.replayStart.index).toBeGreaterThan(200);
  });

  it('then a game stored without a replay start is replayed from the first move with the same result', () => {
    const { replayStart, ...position } = playMove(game.slice(0, 119), game[119]!);
    const { replayStart: fromTail, ...expected } = played[119]!;
    expect(position).toEqual(expected);
    // it keeps replaying the whole list until its next capture or pawn move sets a start
    expect(replayStart).toEqual(fromTail.index === 120 ? fromTail : FROM_THE_START);
  });
});
