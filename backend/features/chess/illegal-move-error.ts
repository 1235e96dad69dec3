import { AppError } from '../../errors/app-error';

/**
 * 400: chess.js refused the move in the current position (or could not read it). Apart from
 * the 409s in game-errors.ts, which carry the game: the rules know no game document.
 */
export class IllegalMoveError extends AppError {
  constructor(message: string) {
    super(400, 'ILLEGAL_MOVE', message, [{ path: 'move', message: 'not legal in this position' }]);
  }
}
