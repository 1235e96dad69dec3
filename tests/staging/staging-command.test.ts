import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../../scripts/databases/free-port';

/**
 * `npm run staging` as a person runs it (its own Redis and embedded store, nginx on
 * STAGING_PORT), driven by `npm run load-test` as the README shows, then Ctrl-C: the process
 * group gets SIGINT, as a terminal sends it, and nothing it started may be left running.
 */
const ROOT = join(__dirname, '..', '..');
let staging: ChildProcess;
let out = '';

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function npm(args: string[], env: NodeJS.ProcessEnv, detached = false): ChildProcess {
  return spawn('npm', args, { cwd: ROOT, env, detached, stdio: ['ignore', 'pipe', 'pipe'] });
}

afterAll(async () => {
  // a failed test must not leave the topology behind either
  if (staging?.pid && groupAlive(staging.pid)) {
    process.kill(-staging.pid, 'SIGKILL');
  }
});

describe('When `npm run staging` is started and driven by `npm run load-test`', () => {
  it('then it prints the URL and admin token, 20 s of load through nginx lose nothing, and Ctrl-C leaves nothing running', async () => {
    const port = await freePort();
    const { MONGO_URL: _m, REDIS_URL: _r, TEST_MONGO_URL: _t, TEST_REDIS_URL: _u, ...env } = process.env;
    staging = npm(
      ['run', 'staging'],
      {
        ...env,
        NODE_ENV: '',
        STAGING_PORT: String(port),
        PASSWORD_MEMORY_KIB: '1024',
        PASSWORD_TIME_COST: '1',
      },
      true,
    );
    const collect = (c: Buffer) => {
      out += c.toString();
    };
    staging.stdout!.on('data', collect);
    staging.stderr!.on('data', collect);
    const exited = once(staging, 'exit');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`staging did not come up:\n${out}`)), 90_000);
      const check = () => {
        if (/admin token: +\w+/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      staging.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`staging exited:\n${out}`)));
    });
    const url = /staging is up: (\S+)/.exec(out)?.[1];
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(out).toMatch(/instance app3: ready/); // progress while it starts

    const load = npm(
      ['run', 'load-test', '--', '--url', url!, '--users', '10', '--rate', '10', '--duration', '20'],
      env,
    );
    let report = '';
    load.stdout!.on('data', (c: Buffer) => {
      report += c.toString();
    });
    load.stderr!.on('data', (c: Buffer) => {
      report += c.toString();
    });
    const [code] = await once(load, 'exit');
    expect({ code, lost: /lost (\d+)/.exec(report)?.[1] }).toEqual({ code: 0, lost: '0' });
    expect(report).toMatch(/\[load-test\] 10\/20 s: /); // live progress
    expect(report).toMatch(/^dm +50 +50 /m);
    process.stdout.write(`${report.slice(report.indexOf('action '))}\n`);

    const pgid = staging.pid!;
    process.kill(-pgid, 'SIGINT');
    await exited;
    expect(out).toContain('stopped');
    // every process of the group (instances, nginx, redis-server, the store) is gone
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(groupAlive(pgid)).toBe(false);
  }, 150_000);
});
