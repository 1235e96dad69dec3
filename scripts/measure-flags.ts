import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ChildService } from './databases/child-service';
import { startRedisServer } from './databases/redis-server';
import { startDatabases } from './databases/start-databases';
import { writeChart } from './report/write-chart';
import { type ServerProcess, startServerProcess } from './servers/server-process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probed {
  flags: Record<string, unknown>;
  checks: { redis: { breaker?: string } };
}
/** /health details and /health/features answer admin tokens only */
const json = async (url: string, token: string) =>
  (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as Probed;

/** Polls as fast as loopback HTTP allows; the figure is from the start mark to the first poll that sees it. */
async function timeUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  from = performance.now(),
): Promise<number> {
  const deadline = from + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return performance.now() - from;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(2);
  }
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const f = (n: number) => `${n.toFixed(1)} ms`;
  return `${label.padEnd(44)} n=${String(ms.length).padEnd(3)} median ${f(median).padStart(10)}  max ${f(sorted.at(-1)!).padStart(10)}  min ${f(sorted[0]!).padStart(10)}`;
}

/**
 * `npm run measure:flags [-- --changes 20 --rounds 5]`: starts its own Redis, the database and two
 * real instances, then measures (1) how long an override set on A takes to be in force on B, and
 * (2) how long the fail-fast client's breaker takes to open after Redis is killed (and paused)
 * and to close after Redis is back. Prints median and max; nothing here is asserted.
 */
export async function main(args: string[]): Promise<number> {
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const changes = opt('changes', 20);
  const rounds = opt('rounds', 5);
  const log = (l: string) => process.stdout.write(`${l}\n`);

  const dbs = await startDatabases({ redis: false, log });
  let redis: ChildService | undefined = await startRedisServer();
  const redisPort = redis.port;
  const token = randomBytes(24).toString('hex');
  const base = new URL(dbs.mongoUrl);
  base.pathname = `/measure_flags_${randomBytes(4).toString('hex')}`;
  const env = {
    MONGO_URL: base.toString(),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `measure${randomBytes(3).toString('hex')}:`,
    ADMIN_TOKEN: token,
    JWT_SECRET: randomBytes(32).toString('hex'),
    NODE_ENV: 'development',
  };
  const instances: ServerProcess[] = [];
  try {
    instances.push(await startServerProcess({ ...env, INSTANCE_ID: 'measure-a' }));
    instances.push(await startServerProcess({ ...env, INSTANCE_ID: 'measure-b' }));
    const [a, b] = instances as [ServerProcess, ServerProcess];
    log(`instances: ${a.url} ${b.url}; redis 127.0.0.1:${redisPort}; ${dbs.mongoKind}`);

    const propagation: number[] = [];
    for (let i = 1; i <= changes; i++) {
      const value = 1000 + i;
      const started = performance.now();
      const res = await fetch(`${a.url}/admin/flags`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ flag: 'cache.ttlSeconds', value }),
      });
      if (res.status !== 200) throw new Error(`set failed: ${res.status} ${await res.text()}`);
      propagation.push(
        await timeUntil(
          async () => (await json(`${b.url}/health/features`, token)).flags['cache.ttlSeconds'] === value,
          15_000,
          started,
        ),
      );
      await sleep(50);
    }

    const breaker = async (state: string) =>
      (await json(`${a.url}/health`, token)).checks.redis.breaker === state;
    const killOpen: number[] = [];
    const backClosed: number[] = [];
    const pauseOpen: number[] = [];
    const resumeClosed: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const killed = performance.now();
      redis.process.kill('SIGKILL');
      await once(redis.process, 'exit');
      await redis.stop();
      redis = undefined;
      killOpen.push(await timeUntil(() => breaker('open'), 15_000, killed));
      redis = await startRedisServer({ port: redisPort });
      // from the moment the new server accepts connections
      backClosed.push(await timeUntil(() => breaker('closed'), 30_000));
    }
    for (let r = 0; r < rounds; r++) {
      const paused = performance.now();
      redis!.process.kill('SIGSTOP');
      // no other traffic: only /health's PINGs (500 ms timeout each) reach the breaker here
      pauseOpen.push(await timeUntil(() => breaker('open'), 30_000, paused));
      const resumed = performance.now();
      redis!.process.kill('SIGCONT');
      resumeClosed.push(await timeUntil(() => breaker('closed'), 30_000, resumed));
    }

    log('');
    log(summary(`flag propagation A -> B (${changes} changes)`, propagation));
    log(summary('Redis SIGKILL -> breaker open', killOpen));
    log(summary('Redis back (port open) -> breaker closed', backClosed));
    log(summary('Redis SIGSTOP -> breaker open (health only)', pauseOpen));
    log(summary('Redis SIGCONT -> breaker closed', resumeClosed));
    const points = (what: string, ms: number[]) => ms.map((value) => ({ what, value }));
    const chart = await writeChart('flags-and-breaker', {
      title: 'Flag propagation and breaker transitions (each point one measurement)',
      width: 560,
      height: 220,
      data: {
        values: [
          ...points(`flag set on A → in force on B`, propagation),
          ...points('Redis killed → breaker open', killOpen),
          ...points('Redis back → breaker closed', backClosed),
          ...points('Redis paused → breaker open', pauseOpen),
          ...points('Redis resumed → breaker closed', resumeClosed),
        ],
      },
      mark: { type: 'tick', thickness: 2, size: 18 },
      encoding: {
        x: { field: 'value', type: 'quantitative', title: 'ms (log)', scale: { type: 'log' } },
        y: { field: 'what', type: 'nominal', title: null, sort: null, axis: { labelLimit: 300 } },
        color: { field: 'what', type: 'nominal', legend: null },
      },
    });
    log(`chart: ${chart}`);
    return 0;
  } finally {
    for (const i of instances) await i.stop();
    if (redis) {
      redis.process.kill('SIGCONT');
      await redis.stop();
    }
    await dbs.stop();
  }
}
