import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/databases/free-port';
import { requestJson } from '../support/http-json';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..');

/** The README's promise: `npm start` with no MONGO_URL serves on an embedded database. */
const QUICK_START_ADMIN_TOKEN = 'quick-start-admin-token-0123456789';

describe('When npm start runs with no database configured', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let output = '';

  // npm, start.mjs, the server and FerretDB share one process group, as under a terminal:
  // a signal to the group is what Ctrl-C or a container stop delivers.
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child!.pid!, signal);
    } catch {
      // already gone
    }
  };

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      signalGroup('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('then /health answers 200 with the database ok, and SIGTERM stops it cleanly', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'quick-start-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_DATA_DIR: dataDir,
      SHUTDOWN_DRAIN_MS: '0',
      ADMIN_TOKEN: QUICK_START_ADMIN_TOKEN,
    };
    for (const k of ['ADMIN_TOKENS', 'MONGO_URL', 'REDIS_URL', 'NODE_ENV', 'JWT_SECRET', 'LOG_LEVEL'])
      delete env[k];
    child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const listening = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes('"msg":"listening"')) resolve();
      };
      child!.stdout!.on('data', check);
      child!.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${output}`)));
    });
    await listening;

    // anonymous callers hear the status only; the checks need an admin token
    const anonymous = await requestJson(`http://127.0.0.1:${port}/health`);
    expect(anonymous.status).toBe(200);
    expect(Object.keys(anonymous.body).sort()).toEqual(['status', 'timestamp']);
    const health = await requestJson(`http://127.0.0.1:${port}/health`, { token: QUICK_START_ADMIN_TOKEN });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(health.body.checks.database.status).toBe('ok');
    expect(output).toMatch(/\[databases\] (ferretdb|mongodb-memory-server) on mongodb:\/\/127\.0\.0\.1:\d+/);
    // the API docs page and its files are served from the built package (docs/api-docs.md)
    const docs = await requestJson(`http://127.0.0.1:${port}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    const script = await requestJson(`http://127.0.0.1:${port}/docs/assets/docs.js`);
    expect(script.status).toBe(200);

    // 'close' fires when every process holding the output pipes (the whole group) is gone
    const closed = new Promise((r) => child!.once('close', r));
    signalGroup('SIGTERM');
    await closed;
    expect(output).toContain('shutdown: done');
    // start.mjs stopped the embedded database after the server: nothing of the group is left
    await expect(waitGroupGone(child.pid!)).resolves.toBe(true);
  });
});

/** true once no process of the group is left (signal 0 to the group fails), false after 10 s */
function waitGroupGone(pgid: number): Promise<boolean> {
  const groupAlive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return waitFor('the process group to exit', groupAlive, (alive) => !alive, 10_000).then(
    () => true,
    () => false,
  );
}
