import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildConfig } from '../backend/config/config';
import { StaticFlags } from '../backend/flags/static-flags';
import { createLogger } from '../backend/infra/logger';
import { createMetrics } from '../backend/infra/metrics';
import { closeRedis, createRedisClient } from '../backend/infra/redis';
import { DualWritePresenceStore } from '../backend/presence/dual-write-presence-store';
import { MemoryPresenceStore } from '../backend/presence/memory-presence-store';
import type { PresenceStore } from '../backend/presence/presence-store';
import { RedisPresenceStore } from '../backend/presence/redis-presence-store';
import { ShadowTally } from '../backend/presence/shadow-tally';
import { startRedisServer } from './databases/redis-server';
import { percentileRows, percentileSpec, writeChart } from './report/write-chart';

const USAGE = `usage: npm run bench:presence -- [--users N] [--iterations N] [--batch N] [--redis-url URL]

Presence lookup latency, one lookup at a time (what a request waits for), for the in-process
map and for Redis, directly and through the dual-write store at 0 % and 100 % Redis reads.
Starts a throwaway redis-server on loopback unless --redis-url is given.`;

interface Row {
  store: string;
  op: string;
  p50: number;
  p99: number;
  mean: number;
  perSecond: number;
}

function summarise(store: string, op: string, samplesNs: number[]): Row {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1000;
  const total = sorted.reduce((a, b) => a + b, 0);
  return {
    store,
    op,
    p50: at(0.5),
    p99: at(0.99),
    mean: total / sorted.length / 1000,
    perSecond: 1e9 / (total / sorted.length),
  };
}

async function measure(iterations: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  // warm-up: JIT, connection buffers
  for (let i = 0; i < Math.min(1000, iterations); i++) await fn(i);
  const out: number[] = new Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out[i] = Number(process.hrtime.bigint() - t);
  }
  return out;
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '10000' },
      iterations: { type: 'string', default: '20000' },
      batch: { type: 'string', default: '20' },
      'redis-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const users = Number(values.users);
  const iterations = Number(values.iterations);
  const batch = Number(values.batch);
  const server = values['redis-url'] ? undefined : await startRedisServer();
  const redisUrl = values['redis-url'] ?? server!.url;
  const logger = createLogger({ level: 'silent', instanceId: 'bench', version: '0' });
  const redis = createRedisClient(redisUrl, 'fail-fast', logger, 'bench-presence');
  try {
    await new Promise((resolve) => redis.once('ready', resolve));
    const prefix = `bench${randomBytes(3).toString('hex')}:`;
    const memory = new MemoryPresenceStore();
    const redisStore = new RedisPresenceStore({ redis, prefix, instanceId: 'bench' });
    const dual = (percent: number) =>
      new DualWritePresenceStore({
        memory,
        redis: redisStore,
        flags: new StaticFlags({
          ...buildConfig().flags,
          'presence.mode': 'dual-write',
          'presence.redisReadPercent': percent,
        }),
        metrics: createMetrics(),
        tally: new ShadowTally(),
        logger,
      });
    const ids = Array.from({ length: users }, (_, i) => `user${i}`);
    // half the users online, some on two devices
    const writer = dual(0);
    for (let i = 0; i < users; i += 2) {
      await writer.add(ids[i]!, `s${i}`);
      if (i % 6 === 0) await writer.add(ids[i]!, `t${i}`);
    }

    const cases: Array<[string, PresenceStore]> = [
      ['memory', memory],
      ['redis', redisStore],
      ['dual-write, 0 % Redis reads', dual(0)],
      ['dual-write, 100 % Redis reads', dual(100)],
    ];
    const rows: Row[] = [];
    const curves: ReturnType<typeof percentileRows> = [];
    const record = (name: string, op: string, samplesNs: number[]) => {
      rows.push(summarise(name, op, samplesNs));
      curves.push(
        ...percentileRows(
          `${name} · ${op}`,
          samplesNs.map((ns) => ns / 1000),
        ),
      );
      process.stderr.write(`[bench-presence] ${rows.length}/${cases.length * 2} ${name} · ${op} done\n`);
    };
    for (const [name, store] of cases) {
      record(name, 'count(user)', await measure(iterations, (i) => store.count(ids[(i * 7919) % users]!)));
      record(
        name,
        `isOnline(${batch} users)`,
        await measure(iterations, (i) =>
          store.isOnline(Array.from({ length: batch }, (_, k) => ids[(i * 104729 + k * 7919) % users]!)),
        ),
      );
    }
    const header = ['store', 'op', 'p50 µs', 'p99 µs', 'mean µs', 'lookups/s'];
    const table = [
      header,
      ...rows.map((r) => [
        r.store,
        r.op,
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        r.mean.toFixed(1),
        Math.round(r.perSecond).toString(),
      ]),
    ];
    const widths = header.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    process.stdout.write(
      `presence lookup latency: ${users} users (${memory.size} sockets), ${iterations} sequential lookups per row, Redis ${redisUrl}\n`,
    );
    for (const r of table)
      process.stdout.write(
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    const chart = await writeChart(
      'presence-latency',
      percentileSpec(`Presence lookup latency by store (${iterations} lookups each)`, 'µs (log)', curves),
    );
    process.stdout.write(`chart: ${chart}\n`);
    await redis.eval(
      "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1",
      0,
      `${prefix}*`,
    );
    return 0;
  } finally {
    await closeRedis(redis);
    await server?.stop();
  }
}
