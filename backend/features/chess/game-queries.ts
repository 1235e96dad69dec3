import mongoose, { Types } from 'mongoose';
import { afterCursor, decodeCursor, newestFirst } from '../../pagination/page-cursor';
import type { PageRequest } from '../../pagination/page-request';
import type { GameModel, GameStatus } from './game-model';

// Unexecuted queries: the service runs them, and verify-indexes explains exactly these. Each
// is keyed by `players`, the multikey field holding both players, but the open challenges (by
// `challenger`).

export interface GameListRequest extends PageRequest {
  status?: GameStatus | undefined;
}

/** The user's games, all or of one status, newest first, limit + 1 rows. */
export function myGamesQuery(games: GameModel, userId: string, page: GameListRequest) {
  return games
    .find({
      players: new Types.ObjectId(userId),
      ...(page.status ? { status: page.status } : {}),
      ...afterCursor(decodeCursor(page.cursor)),
    })
    .sort(newestFirst)
    .limit(page.limit + 1);
}

/** The user's games changed after `since` (up to `upTo` when given), oldest change first (sync). */
export function changedAfterQuery(games: GameModel, userId: string, since: Date, limit: number, upTo?: Date) {
  return games
    .find({
      players: new Types.ObjectId(userId),
      updatedAt: mongoose.trusted(upTo ? { $gt: since, $lte: upTo } : { $gt: since }),
    })
    .sort({ updatedAt: 1, _id: 1 })
    .limit(limit + 1);
}

/**
 * The challenger's pending challenges created since `since` (to one opponent when given): the
 * open-challenge caps count these (`.countDocuments()`), on their own challenger/status index.
 */
export function openChallengesQuery(
  games: GameModel,
  challengerId: string,
  since: Date,
  opponentId?: string,
  /** only those inserted before this one (ids order the inserts the same for every reader) */
  before?: Types.ObjectId,
) {
  const challenger = new Types.ObjectId(challengerId);
  return games.find({
    status: 'pending',
    createdAt: mongoose.trusted({ $gte: since }),
    challenger,
    ...(opponentId ? { opponent: new Types.ObjectId(opponentId) } : {}),
    ...(before ? { _id: mongoose.trusted({ $lt: before }) } : {}),
  });
}
