import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildService {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns a server process whose output is kept (last lines) for error messages. */
export function spawnService(
  cmd: string,
  args: string[],
  opts: { cwd?: string; stdin?: 'pipe' | 'ignore' } = {},
) {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> =>
    new Promise((resolve) => {
      if (exited || child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill(signal);
    });
  return { child, isAlive: () => !exited, output: () => tail.join('\n'), stop };
}
