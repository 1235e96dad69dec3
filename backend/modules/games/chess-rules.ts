import { Chess, DEFAULT_POSITION } from 'chess.js';
import { IllegalMoveError } from './game-errors';

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

export interface PlayedMove extends Position {
  /** the move as chess.js writes it, whatever form the client sent */
  san: string;
}

export const STARTING_FEN = DEFAULT_POSITION;

const sideOf = (color: 'w' | 'b'): Side => (color === 'w' ? 'white' : 'black');

/**
 * The board is rebuilt from the move list, not loaded from the stored FEN: a FEN has no
 * history, and threefold repetition needs every position since the start. The moves were
 * written by chess.js itself, so replaying them cannot fail unless the document was edited.
 */
function replay(moves: readonly string[]): Chess {
  const chess = new Chess();
  for (const san of moves) chess.move(san);
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

/** Where a game stands after these moves. */
export function positionAfter(moves: readonly string[]): Position {
  return positionOf(replay(moves));
}

/**
 * Plays one move after `moves` and says where the game then stands. Throws IllegalMoveError
 * for anything chess.js refuses: unparseable text, a move the position does not allow, a
 * missing or needless promotion. Only legality is checked here; whose turn it is, is the
 * service's question (it knows the players).
 */
export function playMove(moves: readonly string[], input: MoveInput): PlayedMove {
  const chess = replay(moves);
  let san: string;
  try {
    san = chess.move(typeof input === 'string' ? input : { ...input }).san;
  } catch {
    throw new IllegalMoveError(
      `${typeof input === 'string' ? input : `${input.from}-${input.to}`} is not a legal move in this position`,
    );
  }
  return { san, ...positionOf(chess) };
}
