import { AppError, ConflictError, type ErrorDetail } from '../../errors/app-error';
import type { PublicGame } from './game-view';

/**
 * A 409 detail that carries the game as it is now, so a client that lost a race or sent a
 * stale version can redraw and decide again without another request.
 */
export interface GameStateDetail extends ErrorDetail {
  game: PublicGame;
}

function stateDetail(path: string, message: string, game: PublicGame): GameStateDetail[] {
  return [{ path, message, game }];
}

/**
 * 409 CONFLICT: the game is no longer at the version the move was meant for, either because
 * the client said so (`version`) or because another move won the conditional update.
 */
export class GameVersionConflictError extends ConflictError {
  constructor(game: PublicGame) {
    super(
      `The game has moved on: it is at version ${game.version}`,
      stateDetail('version', `current version is ${game.version}`, game),
    );
  }
}

/** 409 NOT_YOUR_TURN: a player moved while it was the other side's turn. */
export class NotYourTurnError extends AppError {
  constructor(game: PublicGame) {
    super(
      409,
      'NOT_YOUR_TURN',
      `It is ${game.turn}'s turn`,
      stateDetail('move', `${game.turn} to move`, game),
    );
  }
}

/** 409 GAME_NOT_ACTIVE: a move or resignation on a game that is pending or already over. */
export class GameNotActiveError extends AppError {
  constructor(game: PublicGame) {
    super(409, 'GAME_NOT_ACTIVE', `The game is ${game.status}`, stateDetail('status', game.status, game));
  }
}

/** 409 GAME_NOT_PENDING: accepting a game that has already started or ended. */
export class GameNotPendingError extends AppError {
  constructor(game: PublicGame) {
    super(409, 'GAME_NOT_PENDING', `The game is ${game.status}`, stateDetail('status', game.status, game));
  }
}

/**
 * 409 TOO_MANY_OPEN_CHALLENGES: the challenger already has as many pending invitations as
 * allowed, in total or to this opponent (a cap of open things: retry once one is accepted or
 * has aged out of the count).
 */
export class TooManyOpenChallengesError extends AppError {
  constructor(limit: number, scope: 'in total' | 'to this opponent') {
    super(
      409,
      'TOO_MANY_OPEN_CHALLENGES',
      `You have ${limit} open challenges ${scope}; wait until one is accepted`,
      [{ path: 'opponentId', message: `at most ${limit} open challenges ${scope}` }],
    );
  }
}
