import { FROM_THE_START, playMove, type ReplayStart } from '../backend/features/chess/chess-rules';
import { longGame } from '../tests/support/chess-long-game';
import { writeChart } from './report/write-chart';

/**
 * What a move costs the server in CPU as a game grows. Before each move the service replays
 * the stored SAN list with chess.js (threefold repetition needs the history a FEN lacks):
 * from the start for games stored without a replay start ("whole list", the cost before it
 * was kept, linear in the game's length), else from the last capture or pawn move ("tail").
 *
 * `node scripts/run.mjs measure-chess-replay [runs]`: one deterministic game (seeded random
 * legal moves, no early end), `runs` playMove calls (default 100) per length and way.
 */
export async function main(args: string[]): Promise<number> {
  const runs = Number(args[0] ?? 100);
  const lengths = [0, 20, 40, 80, 120, 160, 200, 300];
  const game = longGame(Math.max(...lengths) + 1);
  const starts = replayStarts(game);
  const rows: Array<{ plies: number; replay: string; msPerMove: number; replayed: number }> = [];
  for (const plies of lengths.filter((n) => n < game.length)) {
    const before = game.slice(0, plies);
    const next = game[plies]!;
    for (const [replay, start] of [
      ['whole list', FROM_THE_START],
      ['tail', starts[plies]!],
    ] as const) {
      for (let i = 0; i < 10; i++) playMove(before, next, start); // warm the JIT on this length
      const started = performance.now();
      for (let i = 0; i < runs; i++) playMove(before, next, start);
      const msPerMove = (performance.now() - started) / runs;
      const replayed = plies - start.index;
      rows.push({ plies, replay, msPerMove, replayed });
      console.log(
        `plies ${String(plies).padStart(3)}, ${replay.padEnd(10)}: ${msPerMove.toFixed(2)} ms per move ` +
          `(${replayed} replayed, ${runs} runs)`,
      );
    }
  }
  const file = await writeChart('chess-replay', {
    title: 'CPU per move vs. moves already played (chess.js replay)',
    width: 480,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'plies', type: 'quantitative', title: 'plies already played' },
      y: { field: 'msPerMove', type: 'quantitative', title: 'ms per move' },
      color: { field: 'replay', type: 'nominal', title: 'replayed' },
    },
  });
  console.log(`chart: ${file}`);
  return 0;
}

/** The replay start before each ply, as the service would have stored it move by move. */
function replayStarts(game: readonly string[]): ReplayStart[] {
  const starts: ReplayStart[] = [FROM_THE_START];
  for (let i = 0; i < game.length; i++)
    starts.push(playMove(game.slice(0, i), game[i]!, starts[i]).replayStart);
  return starts;
}
