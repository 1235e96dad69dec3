import { z } from 'zod';
import { drawReasons, type GameDoc, gameStatuses } from './game-model';

/** A game as clients see it, in REST answers, acks, `game:updated` and 409 details. */
export const publicGameSchema = z
  .object({
    id: z.string(),
    white: z.string().meta({ description: 'user id' }),
    black: z.string().meta({ description: 'user id' }),
    challenger: z.string().meta({ description: 'who sent the invitation; the other player may accept it' }),
    status: z.enum(gameStatuses),
    fen: z.string(),
    moves: z.array(z.string()).meta({ description: 'SAN, in order' }),
    turn: z.enum(['white', 'black']),
    inCheck: z.boolean(),
    winner: z
      .string()
      .nullable()
      .meta({ description: 'user id; null while playing, on stalemate and draws' }),
    drawReason: z.enum(drawReasons).nullable(),
    version: z
      .number()
      .int()
      .meta({ description: 'changes with every accept, move and resignation: send it back with a move' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Game' });

export type PublicGame = z.infer<typeof publicGameSchema>;

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
