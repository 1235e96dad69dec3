import { Chess } from 'chess.js';

/**
 * One long game, the same on every run: seeded random legal moves, skipping any move that
 * ends the game, so it runs to `plies` half-moves (for the replay tests and measure:chess).
 */
export function longGame(plies: number): string[] {
  const chess = new Chess();
  let seed = 7;
  while (chess.history().length < plies) {
    const candidates = chess.moves();
    let played = false;
    for (let tries = 0; tries < candidates.length && !played; tries++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const san = candidates[seed % candidates.length]!;
      chess.move(san);
      if (chess.isGameOver()) chess.undo();
      else played = true;
    }
    if (!played) break;
  }
  return chess.history();
}
