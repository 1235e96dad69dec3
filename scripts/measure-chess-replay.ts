import { Chess } from 'chess.js';
import { playMove } from '../backend/modules/games/chess-rules';
import { writeChart } from './report/write-chart';

/**
 * What a move costs the server in CPU as a game grows. The service replays the stored SAN
 * list with chess.js before each move (threefold repetition needs the history a FEN lacks),
 * so the cost is linear in the game's length; this measures the slope on this machine.
 *
 * `node scripts/run.mjs measure-chess-replay [runs]`: one deterministic game (seeded random
 * legal moves, no early end), `runs` playMove calls (default 100) at each length.
 */
export async function main(args: string[]): Promise<number> {
  const runs = Number(args[0] ?? 100);
  const lengths = [0, 20, 40, 80, 120, 160, 200, 300];
  const game = deterministicGame(Math.max(...lengths) + 1);
  const rows: Array<{ plies: number; msPerMove: number }> = [];
  for (const plies of lengths.filter((n) => n < game.length)) {
    const before = game.slice(0, plies);
    const next = game[plies]!;
    for (let i = 0; i < 10; i++) playMove(before, next); // warm the JIT on this length
    const started = performance.now();
    for (let i = 0; i < runs; i++) playMove(before, next);
    const msPerMove = (performance.now() - started) / runs;
    rows.push({ plies, msPerMove });
    console.log(`plies ${String(plies).padStart(3)}: ${msPerMove.toFixed(2)} ms per move (${runs} runs)`);
  }
  const slope = (rows.at(-1)!.msPerMove - rows[0]!.msPerMove) / (rows.at(-1)!.plies - rows[0]!.plies);
  console.log(`about ${(slope * 1000).toFixed(0)} µs per ply already played`);
  const file = await writeChart('chess-replay', {
    title: 'CPU per move vs. moves already played (chess.js replay)',
    width: 480,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'plies', type: 'quantitative', title: 'plies already played' },
      y: { field: 'msPerMove', type: 'quantitative', title: 'ms per move' },
    },
  });
  console.log(`chart: ${file}`);
  return 0;
}

/** Seeded random legal moves, avoiding any move that ends the game, so the game runs long. */
function deterministicGame(plies: number): string[] {
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
