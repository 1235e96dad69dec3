import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePortRun } from '../../scripts/databases/free-port';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
/** the project's own pm2, as `npx pm2` after `npm ci` finds it */
const PM2_BIN = join(ROOT, 'node_modules', '.bin', 'pm2');

export interface Pm2App {
  /** nginx in front of the workers, as a client sees it */
  url: string;
  port: number;
  pm2(...args: string[]): Promise<string>;
  /** pids of every process pm2 runs for us (workers and the nginx front) */
  pids(): Promise<number[]>;
  /** nginx's error lines so far, less the connection refusals a restarting worker causes */
  lbErrors(): string[];
  /** `pm2 kill` (stops the apps and the daemon), then the PM2_HOME folder goes */
  stop(): Promise<void>;
}

/**
 * `PORT=P npx pm2 start ecosystem.config.js --env production`, exactly as the README says, with
 * PM2_HOME in a temporary folder so the test's daemon is its own.
 */
export async function startPm2App(env: Record<string, string | undefined>, workers = 2): Promise<Pm2App> {
  const home = mkdtempSync(join(tmpdir(), 'pm2-home-'));
  // the front on P, the workers on P+1..P+workers
  const port = await freePortRun(workers + 1);
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...env,
    PM2_HOME: home,
    PORT: String(port),
    PM2_INSTANCES: String(workers),
  } as NodeJS.ProcessEnv;
  const pm2 = async (...args: string[]) => {
    const { stdout } = await run(PM2_BIN, args, { cwd: ROOT, env: fullEnv, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  };
  const app: Pm2App = {
    url: `http://127.0.0.1:${port}`,
    port,
    pm2,
    pids: async () => {
      const list = JSON.parse(await pm2('jlist')) as Array<{ pid: number }>;
      return list.map((p) => p.pid).filter((pid) => pid > 0);
    },
    lbErrors: () =>
      readdirSync(join(home, 'logs'))
        .filter((f) => f.startsWith('social-scale-lb-error'))
        .flatMap((f) => readFileSync(join(home, 'logs', f), 'utf8').split('\n'))
        .filter((line) => line.includes('[error]') && !line.includes('(111: Connection refused)')),
    stop: async () => {
      await pm2('kill').catch(() => {});
      rmSync(home, { recursive: true, force: true });
    },
  };
  try {
    await pm2('start', 'ecosystem.config.js', '--env', 'production');
  } catch (err) {
    await app.stop();
    throw err;
  }
  return app;
}
