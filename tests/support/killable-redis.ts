import { once } from 'node:events';
import type { ChildService } from '../../scripts/databases/child-service';
import { startRedisServer } from '../../scripts/databases/redis-server';

export interface KillableRedis {
  url: string;
  port: number;
  /** SIGKILL: connections drop at once, as when a Redis host dies */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers, as in a long GC pause or partition */
  pause(): void;
  resume(): void;
  /** a fresh, empty redis-server on the same port */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a fixed port, so it can be killed and started again there. */
export async function startKillableRedis(): Promise<KillableRedis> {
  let current: ChildService | undefined = await startRedisServer();
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
      current = await startRedisServer({ port });
    },
    stop: async () => {
      if (paused) redis.resume();
      await current?.stop();
      current = undefined;
    },
  };
  return redis;
}
