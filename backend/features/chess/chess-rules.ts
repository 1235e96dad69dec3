import { Chess, DEFAULT_POSITION } from 'chess.js';
import { IllegalMoveError } from './illegal-move-error';

export type Side = 'white' | 'black';

/** SAN ("e4", "Nxf7+", "e8=Q") or a from/to pair; a pawn reaching the last rank needs `promotion`. */
export type MoveInput = string | { from: string; to: string; promotion?: string | undefined };

export type DrawReason = 'threefold-repetition' | 'fifty-move-rule' | 'insufficient-material';

export type Outcome =
  | { status: 'active' }
  | { status: 'checkmate'; winner: Side }
  | { status: 'stalemate' }
  | { status: 'draw'; reason: DrawReason };

export interface Position {
  fen: string;
  turn: Side;
  inCheck: boolean;
  outcome: Outcome;
}

/**
 * Where replaying starts: the position after the last irreversible move (a capture or a pawn
 * move, which resets the halfmove clock) and the index in the move list of the first move
 * after it. No position before an irreversible move can occur again, so threefold repetition
 * only needs the moves from here, and the fifty-move rule bounds them to 100 half-moves.
 */
export interface ReplayStart {
  /** written with its en passant square even when no capture is legal, so that a reload
   * hashes the position exactly as chess.js did when it was played (repetition counts) */
  fen: string;
  index: number;
}

export interface PlayedMove extends Position {
  /** the move as chess.js writes it, whatever form the client sent */
  san: string;
  /** where the next move's replay starts: this move if it was irreversible, else unchanged */
  replayStart: ReplayStart;
}

export const STARTING_FEN = DEFAULT_POSITION;

/** A game with no irreversible move yet (or stored before replay starts were kept) replays from the start. */
export const FROM_THE_START: ReplayStart = { fen: STARTING_FEN, index: 0 };

const sideOf = (color: 'w' | 'b'): Side => (color === 'w' ? 'white' : 'black');

/**
 * The board is rebuilt from the moves since `start`, not loaded from the stored FEN: a FEN
 * has no history, and threefold repetition needs every position since the last irreversible
 * move. The moves were written by chess.js itself, so replaying them cannot fail unless the
 * document was edited.
 */
function replay(moves: readonly string[], start: ReplayStart): Chess {
  const chess = new Chess(start.fen);
  for (let i = start.index; i < moves.length; i++) chess.move(moves[i]!);
  return chess;
}

function positionOf(chess: Chess): Position {
  return {
    fen: chess.fen(),
    turn: sideOf(chess.turn()),
    inCheck: chess.inCheck(),
    outcome: outcomeOf(chess),
  };
}

/** How the position stands: mate, stalemate, one of the automatic draws, or still playing. */
export function outcomeOf(chess: Chess): Outcome {
  // the side to move is the side that has been mated
  if (chess.isCheckmate()) return { status: 'checkmate', winner: chess.turn() === 'w' ? 'black' : 'white' };
  if (chess.isStalemate()) return { status: 'stalemate' };
  if (chess.isInsufficientMaterial()) return { status: 'draw', reason: 'insufficient-material' };
  if (chess.isThreefoldRepetition()) return { status: 'draw', reason: 'threefold-repetition' };
  if (chess.isDrawByFiftyMoves()) return { status: 'draw', reason: 'fifty-move-rule' };
  return { status: 'active' };
}

/** Where a game stands after these moves (replayed from `start`, by default the first move). */
export function positionAfter(moves: readonly string[], start: ReplayStart = FROM_THE_START): Position {
  return positionOf(replay(moves, start));
}

/**
 * Plays one move after `moves` and says where the game then stands. Throws IllegalMoveError
 * for anything chess.js refuses: unparseable text, a move the position does not allow, a
 * missing or needless promotion. Only legality is checked here; whose turn it is, is the
 * service's question (it knows the players). Only the moves from `start.index` on are
 * replayed; the earlier ones are not read.
 */
export function playMove(
  moves: readonly string[],
  input: MoveInput,
  start: ReplayStart = FROM_THE_START,
): PlayedMove {
  const chess = replay(moves, start);
  let san: string;
  try {
    san = chess.move(typeof input === 'string' ? input : { ...input }).san;
  } catch {
    throw new IllegalMoveError(
      `${typeof input === 'string' ? input : `${input.from}-${input.to}`} is not a legal move in this position`,
    );
  }
  const irreversible = chess.fen().split(' ')[4] === '0';
  const replayStart = irreversible
    ? { fen: chess.fen({ forceEnpassantSquare: true }), index: moves.length + 1 }
    : start;
  return { san, replayStart, ...positionOf(chess) };
}
