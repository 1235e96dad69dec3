import type { ServerProcess } from '../servers/server-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Puts our fleet in the dual stage of a socket.adapter move (every broadcast published on two
 * transports) and returns once every instance reports it, so the scenarios measure that stage.
 * The fleet must have been started with a dual stage longer than the run (ADAPTER_DUAL_MIN_MS).
 */
export async function holdAdapterMove(
  fleet: ServerProcess[],
  adminToken: string,
  to: string,
  log: (line: string) => void,
): Promise<void> {
  const auth = { authorization: `Bearer ${adminToken}` };
  const res = await fetch(`${fleet[0]!.url}/admin/flags`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ flag: 'socket.adapter', value: to }),
  });
  if (res.status !== 200) throw new Error(`socket.adapter=${to} refused: ${res.status} ${await res.text()}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const stages = await Promise.all(
      fleet.map(async (s) => {
        const health = (await (await fetch(`${s.url}/health`, { headers: auth })).json()) as {
          checks: { socket: { migration: { stage: string } | null } };
        };
        return health.checks.socket.migration?.stage;
      }),
    );
    if (stages.every((s) => s === 'dual')) break;
    if (Date.now() > deadline)
      throw new Error(`the fleet did not reach the dual stage: ${stages.join(', ')}`);
    await sleep(100);
  }
  log(`our servers are in the dual stage of a move to ${to}: every broadcast goes on both transports`);
}
