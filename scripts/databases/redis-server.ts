import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildService } from './child-service';
import { spawnService } from './child-service';
import { freePort, waitForPort } from './free-port';

export function redisServerBinary(): string {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${bin} not found: install it (apt-get install -y redis-server) or set REDIS_URL`);
  }
  return bin;
}

/**
 * A throwaway redis-server on a free loopback port; tests may kill it. No persistence, unless
 * `dir` is given: then an append-only file there, fsynced on every write, so a SIGKILLed server
 * restarted on the same dir comes back with its data, as a production Redis with AOF does (the
 * caller owns that dir and removes it).
 */
export async function startRedisServer(opts: { port?: number; dir?: string } = {}): Promise<ChildService> {
  const bin = redisServerBinary();
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'social-redis-'));
  const svc = spawnService(bin, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    opts.dir ? 'yes' : 'no',
    ...(opts.dir ? ['--appendfsync', 'always'] : []),
    '--dir',
    dir,
    '--protected-mode',
    'yes',
  ]);
  try {
    await waitForPort(port, { isAlive: svc.isAlive, timeoutMs: 10000 });
  } catch (err) {
    await svc.stop();
    throw new Error(`redis-server did not start: ${(err as Error).message}\n${svc.output()}`);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: svc.child,
    stop: async () => {
      await svc.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
