import type { Redis } from 'ioredis';

export interface RedisCounters {
  /** calls summed over INFO commandstats, minus the INFO calls this module makes */
  commands: number;
  /** used_cpu_user + used_cpu_sys, ms */
  cpuMs: number;
}

/** Commands and CPU of the Redis server so far: diff two readings to charge a run. */
export async function readRedisCounters(redis: Redis): Promise<RedisCounters> {
  const [stats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  let commands = 0;
  for (const m of stats.matchAll(/^cmdstat_([\w|]+):calls=(\d+)/gm))
    if (m[1] !== 'info') commands += Number(m[2]);
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { commands, cpuMs: (num('used_cpu_user') + num('used_cpu_sys')) * 1000 };
}
