import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildService } from '../../scripts/databases/child-service';
import { startRedisServer } from '../../scripts/databases/redis-server';

export interface KillableRedis {
  url: string;
  port: number;
  /** SIGKILL: connections drop at once, as when a Redis host dies */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as in a long GC pause or partition */
  pause(): void;
  /** SIGCONT after pause() */
  resume(): void;
  /**
   * SIGKILL (if still running) and a new redis-server on the same port: with `persist`, it
   * reloads the append-only file (a crashed Redis coming back with its data); without, empty
   */
  restart(): Promise<void>;
  /** SIGKILL and a new redis-server on the same port with an empty dataset, even with `persist` */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a fixed port, so it can be killed and started again there.
 * `persist: true` keeps an fsynced append-only file, so restart() brings the data back.
 */
export async function startKillableRedis(opts: { persist?: boolean } = {}): Promise<KillableRedis> {
  const newDir = () => (opts.persist ? mkdtempSync(join(tmpdir(), 'social-redis-aof-')) : undefined);
  let dir = newDir();
  let current: ChildService | undefined = await startRedisServer({ dir });
  const port = current.port;
  let paused = false;
  const redis: KillableRedis = {
    url: current.url,
    port,
    kill: async () => {
      const svc = current;
      current = undefined;
      if (!svc || svc.process.exitCode !== null) return;
      if (paused) redis.resume();
      const exited = once(svc.process, 'exit');
      svc.process.kill('SIGKILL');
      await exited;
      await svc.stop();
    },
    pause: () => {
      current?.process.kill('SIGSTOP');
      paused = true;
    },
    resume: () => {
      current?.process.kill('SIGCONT');
      paused = false;
    },
    restart: async () => {
      await redis.kill();
      current = await startRedisServer({ port, dir });
    },
    restartEmpty: async () => {
      await redis.kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = newDir();
      current = await startRedisServer({ port, dir });
    },
    stop: async () => {
      if (paused) redis.resume();
      await current?.stop();
      current = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return redis;
}
