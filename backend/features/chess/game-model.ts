import { type Connection, type Model, Schema, type Types } from 'mongoose';
import type { DrawReason } from './chess-rules';

export const gameStatuses = ['pending', 'active', 'checkmate', 'stalemate', 'draw', 'resigned'] as const;
export type GameStatus = (typeof gameStatuses)[number];
export const drawReasons: readonly DrawReason[] = [
  'threefold-repetition',
  'fifty-move-rule',
  'insufficient-material',
];

export interface GameDoc {
  _id: Types.ObjectId;
  /** who sent the invitation */
  challenger: Types.ObjectId;
  /** who was invited: the only one who may accept */
  opponent: Types.ObjectId;
  /** [challenger, opponent]: one multikey field serves "my games" without an $or */
  players: Types.ObjectId[];
  white: Types.ObjectId;
  black: Types.ObjectId;
  status: GameStatus;
  fen: string;
  /** SAN, as chess.js wrote it; the board is replayed from these (threefold needs history) */
  moves: string[];
  /**
   * The position after the last capture or pawn move (en passant square always written) and
   * the index in `moves` of the move after it: a move replays only `moves` from there, at most
   * 100 half-moves. Absent on games stored before it was kept: those replay from the start
   * until their next irreversible move sets it.
   */
  replayFen?: string | undefined;
  replayIndex?: number | undefined;
  inCheck: boolean;
  winner: Types.ObjectId | null;
  drawReason: DrawReason | null;
  /**
   * Bumped by every change. Each change is one update conditional on the version it read, so
   * two instances racing on one game cannot both apply a move: the second matches nothing.
   */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export type GameModel = Model<GameDoc>;

const gameSchema = new Schema<GameDoc>(
  {
    challenger: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    opponent: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    players: { type: [Schema.Types.ObjectId], required: true },
    white: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    black: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    status: { type: String, required: true, enum: gameStatuses },
    fen: { type: String, required: true },
    moves: { type: [String], default: [] },
    replayFen: { type: String },
    replayIndex: { type: Number, min: 0 },
    inCheck: { type: Boolean, default: false },
    winner: { type: Schema.Types.ObjectId, default: null, ref: 'User' },
    drawReason: { type: String, default: null, enum: [...drawReasons, null] },
    version: { type: Number, required: true, min: 0 },
    createdAt: { type: Date, default: () => new Date() },
    updatedAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

// "My games", all or by status, newest first in cursor order (GET /api/games?status=).
gameSchema.index({ players: 1, createdAt: -1, _id: -1 });
gameSchema.index({ players: 1, status: 1, createdAt: -1, _id: -1 });
// sync: "my games that changed after a time", oldest change first
gameSchema.index({ players: 1, updatedAt: 1, _id: 1 });
// the open-challenge caps: a challenger's pending challenges, in total or to one opponent, by age
gameSchema.index({ challenger: 1, status: 1, opponent: 1, createdAt: -1 });

export function getGameModel(conn: Connection): GameModel {
  return (conn.models.Game as GameModel | undefined) ?? conn.model<GameDoc>('Game', gameSchema);
}
