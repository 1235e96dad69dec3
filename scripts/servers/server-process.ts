import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, sep } from 'node:path';

/** dist/backend/server.js, from dist/scripts/servers (compiled) or scripts/servers (ts) alike */
export const SERVER_JS = join(
  __dirname,
  '..',
  '..',
  __dirname.includes(`${sep}dist${sep}`) ? '' : 'dist',
  'backend',
  'server.js',
);

/** Output kept for assertions and failure messages; older output is dropped past this. */
const KEEP_CHARS = 1_000_000;

export interface ServerProcess {
  instanceId: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** stdout+stderr so far (pino JSON lines), for assertions and failure messages */
  output(): string;
  /** resolves once the output contains text (checked on every chunk); rejects on exit or timeout */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** resolves with the exit code (or null when killed by a signal) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM and wait; SIGKILL after graceMs */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a server script (by default the built server, as production runs it) as a real
 * process. The port is chosen by the OS (PORT=0) and read from the JSON "listening" log line;
 * then, unless waitReady is false, it waits until /health/ready answers 200. env is passed as
 * given, plus PATH and LOG_LEVEL info when unset (the port is read from an info line).
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  opts: { script?: string; waitReady?: boolean } = {},
): Promise<ServerProcess> {
  const instanceId = env.INSTANCE_ID ?? `srv-${Math.random().toString(36).slice(2, 8)}`;
  const child = spawn(process.execPath, ['--enable-source-maps', opts.script ?? SERVER_JS], {
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env, INSTANCE_ID: instanceId },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
    if (out.length > KEEP_CHARS * 2) out = out.slice(-KEEP_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));

  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code }) =>
      reject(new Error(`server ${instanceId} exited (${code}) before listening:\n${out.slice(-3000)}`)),
    );
  });
  const url = `http://127.0.0.1:${port}`;
  if (opts.waitReady !== false) await waitReady(url, exited);

  const proc: ServerProcess = {
    instanceId,
    port,
    url,
    child,
    output: () => out,
    waitForOutput: (text, timeoutMs = 10000) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        const done = (err?: Error) => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          if (err) reject(err);
          else resolve();
        };
        const check = () => {
          if (out.includes(text)) done();
        };
        const timer = setTimeout(
          () => done(new Error(`no "${text}" in ${instanceId}'s output within ${timeoutMs} ms`)),
          timeoutMs,
        );
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        void exited.then(() =>
          out.includes(text) ? done() : done(new Error(`${instanceId} exited before "${text}"`)),
        );
      }),
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    stop: async (graceMs = 8000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      proc.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
  return proc;
}

async function waitReady(url: string, exited: Promise<unknown>): Promise<void> {
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && !dead) {
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.status === 200) return;
    } catch {
      // not accepting yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become ready`);
}
