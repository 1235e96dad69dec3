import { processCpuMs } from '../load/process-cpu';
import type { ServerProcess } from '../servers/server-process';

export type ServerKind = 'ours' | 'baseline';

export interface ServerCounters {
  cpuMs: number;
  /** store commands sent so far; NaN when the server does not report them */
  mongoCommands: number;
}

/**
 * Our server: the count of mongo_command_duration_seconds observations on /metrics (one per
 * driver command). The baseline: its own /stats.
 */
async function mongoCommands(kind: ServerKind, server: ServerProcess, adminToken: string): Promise<number> {
  try {
    if (kind === 'baseline') {
      const res = await fetch(`${server.url}/stats`);
      return ((await res.json()) as { mongoCommands: number }).mongoCommands;
    }
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    if (res.status !== 200) return Number.NaN;
    let n = 0;
    let seen = false;
    for (const m of (await res.text()).matchAll(/^mongo_command_duration_seconds_count\{[^}]*\} (\d+)/gm)) {
      n += Number(m[1]);
      seen = true;
    }
    return seen ? n : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU and store commands summed over one side's server processes. */
export async function readServerCounters(
  kind: ServerKind,
  servers: ServerProcess[],
  adminToken: string,
): Promise<ServerCounters> {
  let cpuMs = 0;
  let cmds = 0;
  for (const s of servers) {
    cpuMs += processCpuMs(s.child.pid!);
    cmds += await mongoCommands(kind, s, adminToken);
  }
  return { cpuMs, mongoCommands: cmds };
}
