import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { GameModel, GameStatus } from './game-model';

export interface GameListRequest {
  status?: GameStatus | undefined;
  cursor?: string | undefined;
  limit: number;
}

/**
 * The reads the games service runs, built unexecuted so `verify:indexes` explains exactly
 * these. Every one is keyed by `players`, the multikey field holding both players.
 */
export class GameQueries {
  constructor(private readonly games: GameModel) {}

  /** The user's games, all or of one status, newest first, limit + 1 rows. */
  mine(userId: string, page: GameListRequest) {
    return this.games
      .find({
        players: new Types.ObjectId(userId),
        ...(page.status ? { status: page.status } : {}),
        ...afterCursor(decodeCursor(page.cursor)),
      })
      .sort(newestFirst)
      .limit(page.limit + 1);
  }

  /** sync: the user's games changed after `since` (up to `upTo`), oldest change first, limit + 1 rows. */
  changedAfter(userId: string, since: Date, limit: number, upTo?: Date) {
    return this.games
      .find({
        players: new Types.ObjectId(userId),
        updatedAt: mongoose.trusted(upTo ? { $gt: since, $lte: upTo } : { $gt: since }),
      })
      .sort({ updatedAt: 1, _id: 1 })
      .limit(limit + 1);
  }
}
