import type { DrawReason, Side } from './chess-rules';
import type { GameDoc, GameStatus } from './game-model';

/** A game as clients see it, in REST answers, acks, `game:updated` and 409 details. */
export interface PublicGame {
  id: string;
  white: string;
  black: string;
  /** who sent the invitation; the other player is the one who may accept it */
  challenger: string;
  status: GameStatus;
  fen: string;
  moves: string[];
  turn: Side;
  inCheck: boolean;
  /** user id; null while playing, on stalemate and draws */
  winner: string | null;
  drawReason: DrawReason | null;
  /** changes with every accept, move and resignation: send it back with a move */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toPublicGame(g: GameDoc): PublicGame {
  return {
    id: g._id.toHexString(),
    white: g.white.toHexString(),
    black: g.black.toHexString(),
    challenger: g.challenger.toHexString(),
    status: g.status,
    fen: g.fen,
    moves: [...g.moves],
    // the FEN's second field is the side to move
    turn: g.fen.split(' ')[1] === 'b' ? 'black' : 'white',
    inCheck: g.inCheck,
    winner: g.winner ? g.winner.toHexString() : null,
    drawReason: g.drawReason ?? null,
    version: g.version,
    createdAt: g.createdAt.toISOString(),
    updatedAt: g.updatedAt.toISOString(),
  };
}
