import { randomInt } from 'node:crypto';
import { Types } from 'mongoose';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors/app-error';
import type { Page } from '../../pagination/page-cursor';
import { toPage } from '../../pagination/page-cursor';
import type { ActivitySink } from '../../ports/activity-sink';
import type { Notifier } from '../../ports/notifier';
import {
  FROM_THE_START,
  type MoveInput,
  type Outcome,
  playMove,
  type ReplayStart,
  STARTING_FEN,
} from './chess-rules';
import {
  GameNotActiveError,
  GameNotPendingError,
  GameVersionConflictError,
  NotYourTurnError,
  TooManyOpenChallengesError,
} from './game-errors';
import type { GameDoc, GameModel } from './game-model';
import { gameNotificationKinds } from './game-notifications';
import { changedAfterQuery, type GameListRequest, myGamesQuery, openChallengesQuery } from './game-queries';
import { gameRoom } from './game-room';
import { type PublicGame, toPublicGame } from './game-view';

export type ColorChoice = 'white' | 'black' | 'random';

export interface CreateGameInput {
  opponentId: string;
  color?: ColorChoice | undefined;
}

export interface MoveRequest {
  move: MoveInput;
  /** the version the client saw; when given and stale, the move is refused with the current game */
  version?: number | undefined;
}

const oid = (id: string) => new Types.ObjectId(id);
/** A resignation is retried past moves that land meanwhile; this bounds a pathological loop. */
const RESIGN_ATTEMPTS = 5;
/**
 * A pending challenge counts as open for a day: invitations have no decline yet, so one nobody
 * answers stops holding the challenger's cap after that.
 */
export const OPEN_CHALLENGE_MS = 86_400_000;

/** How many pending challenges a user may have open, in total and to one opponent. */
export interface OpenChallengeCaps {
  perUser: number;
  perOpponent: number;
}

/**
 * Two-player chess, shared by REST and the `game:*` events. chess.js decides legality and
 * outcomes from the stored move list; the server never takes a board from a client.
 *
 * Every change is a single update conditional on the `version` it read (and on the status it
 * expects), with no lock and no transaction: of two instances applying a move to one game at
 * once, one matches and the other matches nothing and answers 409 CONFLICT with the game as it
 * now is. Then the change is emitted (`game:updated`) and the other player is notified, in
 * that order, so a lost emit costs nothing that `game:join` or `sync` cannot give back.
 *
 * Who may see what: the two players always; anyone signed in may watch an *active* game
 * (spectating is open), but pending invitations and finished games are private to their
 * players, and a game one may not see answers 404 exactly like one that does not exist.
 */
export class GameService {
  constructor(
    private readonly deps: {
      games: GameModel;
      /** whether an account exists (an invitation names one) */
      userExists(userId: string): Promise<boolean>;
      notifier: Notifier;
      activity: ActivitySink;
      /** the caps now (they follow rateLimit.enabled); absent or undefined: no cap */
      openChallengeCaps?: (() => OpenChallengeCaps | undefined) | undefined;
    },
  ) {}

  async create(challengerId: string, input: CreateGameInput): Promise<PublicGame> {
    if (challengerId === input.opponentId)
      throw new ValidationError('You cannot challenge yourself', [{ path: 'opponentId', message: 'is you' }]);
    if (!(await this.deps.userExists(input.opponentId))) throw new NotFoundError('Opponent');
    const challengerWhite = input.color === 'white' || (input.color !== 'black' && randomInt(2) === 0);
    const [white, black] = challengerWhite
      ? [challengerId, input.opponentId]
      : [input.opponentId, challengerId];
    const caps = this.deps.openChallengeCaps?.();
    // refused before anything is written; a race of creations is caught after the insert
    if (caps) await this.refuseOverCaps(challengerId, input.opponentId, caps);
    const now = new Date();
    const created = await this.deps.games.create({
      challenger: oid(challengerId),
      opponent: oid(input.opponentId),
      players: [oid(challengerId), oid(input.opponentId)],
      white: oid(white),
      black: oid(black),
      status: 'pending',
      fen: STARTING_FEN,
      moves: [],
      inCheck: false,
      winner: null,
      drawReason: null,
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    if (caps)
      // Concurrent creations (on any instance) may all have seen room before inserting. Each
      // counts only the challenges inserted before it, so each knows whether it is past the cap
      // and the first `cap` always stay; the others go before they are announced or notified.
      await this.refuseOverCaps(challengerId, input.opponentId, caps, created._id).catch(
        async (err: unknown) => {
          await this.deps.games.deleteOne({ _id: created._id });
          throw err;
        },
      );
    const game = toPublicGame(created.toObject());
    this.announce(game);
    await this.deps.activity.record({
      kind: gameNotificationKinds.invite.kind,
      actorId: challengerId,
      userId: input.opponentId,
      subjectId: game.id,
    });
    return game;
  }

  /**
   * Only the invited player accepts. Accepting a game that is already active is answered with
   * the game (a retried accept is not an error); any other state is 409 GAME_NOT_PENDING.
   */
  async accept(userId: string, gameId: string): Promise<PublicGame> {
    const doc = await this.playerGame(userId, gameId, 'accept');
    if (!doc.opponent.equals(userId)) throw new ForbiddenError('Only the invited player may accept');
    if (doc.status === 'active') return toPublicGame(doc);
    if (doc.status !== 'pending') throw new GameNotPendingError(toPublicGame(doc));
    const updated = await this.deps.games
      .findOneAndUpdate(
        { _id: doc._id, status: 'pending', version: doc.version },
        { $set: { status: 'active', updatedAt: new Date() }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      )
      .lean();
    if (!updated) {
      // Two accepts at once (two devices, two instances): the one that matched did the work.
      const now = await this.reload(doc._id);
      if (now.status === 'active') return toPublicGame(now);
      throw new GameNotPendingError(toPublicGame(now));
    }
    const game = toPublicGame(updated);
    this.announce(game);
    return game;
  }

  async move(userId: string, gameId: string, request: MoveRequest): Promise<PublicGame> {
    const doc = await this.playerGame(userId, gameId, 'move');
    const current = toPublicGame(doc);
    if (doc.status !== 'active') throw new GameNotActiveError(current);
    if (request.version !== undefined && request.version !== doc.version)
      throw new GameVersionConflictError(current);
    if (current[current.turn] !== userId) throw new NotYourTurnError(current);
    const played = playMove(doc.moves, request.move, replayStartOf(doc));
    const winner = played.outcome.status === 'checkmate' ? doc[played.outcome.winner] : null;
    const updated = await this.deps.games
      .findOneAndUpdate(
        { _id: doc._id, status: 'active', version: doc.version },
        {
          $set: {
            fen: played.fen,
            replayFen: played.replayStart.fen,
            replayIndex: played.replayStart.index,
            inCheck: played.inCheck,
            status: played.outcome.status,
            winner,
            drawReason: played.outcome.status === 'draw' ? played.outcome.reason : null,
            updatedAt: new Date(),
          },
          $push: { moves: played.san },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean();
    // Another move (or a resignation) won the update: this one was meant for a game that no
    // longer exists, so it is refused rather than replayed on a position the player never saw.
    if (!updated) throw new GameVersionConflictError(toPublicGame(await this.reload(doc._id)));
    const game = toPublicGame(updated);
    this.announce(game);
    const other = opponentOf(updated, userId);
    await this.deps.activity.record(
      game.status === 'active'
        ? {
            kind: gameNotificationKinds.move.kind,
            actorId: userId,
            userId: other,
            subjectId: game.id,
            text: played.san,
          }
        : {
            kind: gameNotificationKinds.over.kind,
            actorId: userId,
            userId: other,
            subjectId: game.id,
            text: endText(played.outcome, played.san),
          },
    );
    return game;
  }

  /**
   * A player gives up an active game; the other player wins. Unlike a move, a resignation does
   * not depend on the position, so a move landing in between is not a reason to refuse it: it
   * is tried again on the new version.
   */
  async resign(userId: string, gameId: string): Promise<PublicGame> {
    let doc = await this.playerGame(userId, gameId, 'resign');
    for (let attempt = 0; attempt < RESIGN_ATTEMPTS; attempt++) {
      if (doc.status !== 'active') throw new GameNotActiveError(toPublicGame(doc));
      const other = opponentOf(doc, userId);
      const updated = await this.deps.games
        .findOneAndUpdate(
          { _id: doc._id, status: 'active', version: doc.version },
          {
            $set: { status: 'resigned', winner: oid(other), updatedAt: new Date() },
            $inc: { version: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean();
      if (updated) {
        const game = toPublicGame(updated);
        this.announce(game);
        await this.deps.activity.record({
          kind: gameNotificationKinds.over.kind,
          actorId: userId,
          userId: other,
          subjectId: game.id,
          text: 'resigned',
        });
        return game;
      }
      doc = await this.reload(doc._id);
    }
    throw new GameVersionConflictError(toPublicGame(doc));
  }

  /**
   * The user's account is being deleted: each active game is resigned (the opponent wins and
   * is told), each pending challenge, sent or received, is deleted; finished games stay in
   * the opponent's history. Idempotent: a retry finds nothing left to do.
   */
  async forgetPlayer(userId: string): Promise<void> {
    const me = oid(userId);
    for (const game of await this.deps.games.find({ players: me, status: 'active' }, { _id: 1 }).lean()) {
      try {
        await this.resign(userId, game._id.toHexString());
      } catch (err) {
        if (!(err instanceof GameNotActiveError)) throw err;
      }
    }
    await this.deps.games.deleteMany({ players: me, status: 'pending' });
  }

  /** TooManyOpenChallengesError when the challenger's open challenges (inserted before `before`) fill a cap. */
  private async refuseOverCaps(
    challengerId: string,
    opponentId: string,
    caps: OpenChallengeCaps,
    before?: Types.ObjectId,
  ): Promise<void> {
    const since = new Date(Date.now() - OPEN_CHALLENGE_MS);
    const [total, toOpponent] = await Promise.all([
      openChallengesQuery(this.deps.games, challengerId, since, undefined, before).countDocuments(),
      openChallengesQuery(this.deps.games, challengerId, since, opponentId, before).countDocuments(),
    ]);
    if (toOpponent >= caps.perOpponent)
      throw new TooManyOpenChallengesError(caps.perOpponent, 'to this opponent');
    if (total >= caps.perUser) throw new TooManyOpenChallengesError(caps.perUser, 'in total');
  }

  /** A game the user may see: their own, or any active one (spectating). */
  async get(userId: string, gameId: string): Promise<PublicGame> {
    return toPublicGame(await this.visibleGame(userId, gameId));
  }

  async list(userId: string, page: GameListRequest): Promise<Page<PublicGame>> {
    const rows = await myGamesQuery(this.deps.games, userId, page).lean();
    return toPage(rows, page.limit, toPublicGame);
  }

  /** sync: the user's games changed after `since` (up to `upTo`), oldest change first, limit + 1 rows. */
  async changedAfter(userId: string, since: Date, limit: number, upTo?: Date): Promise<GameDoc[]> {
    return changedAfterQuery(this.deps.games, userId, since, limit, upTo).lean();
  }

  private async visibleGame(userId: string, gameId: string): Promise<GameDoc> {
    const doc = await this.deps.games.findById(oid(gameId)).lean();
    if (!doc || !(isPlayer(doc, userId) || doc.status === 'active')) throw new NotFoundError('Game');
    return doc;
  }

  /** The game, for a change only its players may make: 404 when unseen, 403 for a spectator. */
  private async playerGame(userId: string, gameId: string, what: string): Promise<GameDoc> {
    const doc = await this.visibleGame(userId, gameId);
    if (!isPlayer(doc, userId)) throw new ForbiddenError(`Only the players may ${what}`);
    return doc;
  }

  private async reload(id: Types.ObjectId): Promise<GameDoc> {
    const doc = await this.deps.games.findById(id).lean();
    if (!doc) throw new NotFoundError('Game');
    return doc;
  }

  /** To both players' devices and to every watcher of the game, on every instance. */
  private announce(game: PublicGame): void {
    this.deps.notifier.toUsersAndRoom([game.white, game.black], gameRoom(game.id), 'game:updated', {
      game,
    });
  }
}

function replayStartOf(doc: GameDoc): ReplayStart {
  return doc.replayFen !== undefined && doc.replayIndex !== undefined
    ? { fen: doc.replayFen, index: doc.replayIndex }
    : FROM_THE_START;
}

function isPlayer(doc: GameDoc, userId: string): boolean {
  return doc.players.some((p) => p.equals(userId));
}

function opponentOf(doc: GameDoc, userId: string): string {
  return (doc.white.equals(userId) ? doc.black : doc.white).toHexString();
}

function endText(outcome: Outcome, san: string): string {
  switch (outcome.status) {
    case 'checkmate':
      return `checkmate (${san})`;
    case 'stalemate':
      return `stalemate (${san})`;
    case 'draw':
      return `draw: ${outcome.reason} (${san})`;
    default:
      return san;
  }
}
