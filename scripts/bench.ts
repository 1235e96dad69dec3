import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { holdAdapterMove } from './bench/adapter-move';
import {
  type ConnectFigures,
  connectChartSpec,
  connectRows,
  runConnectScenario,
} from './bench/connect-scenario';
import { type Connected, connectPairs, DEFAULTS_ENV, rssKiB, startBaseline, startOurs } from './bench/fleet';
import {
  MESSAGE_SWEEP_RATES,
  type MessageSweepResult,
  runMessageSweep,
  sweepTable,
} from './bench/message-sweep';
import { type RunFigures, runScenario, type ScenarioName, type Side, sideCpuMs } from './bench/scenario-run';
import { measureStoreCeiling, type StoreCeiling } from './bench/store-ceiling';
import { type SweepRow, sweepSpec } from './bench/sweep-chart';
import { judgeTargets, type Summary, type SweepResult } from './bench/targets';
import { startRedisServer } from './databases/redis-server';
import { startDatabases } from './databases/start-databases';
import { createLatencyHistogram, histogramRows } from './load/latency-histogram';
import type { Workload } from './load/open-loop';
import { registerUsers } from './load/virtual-users';
import { messageSendWorkload, typingWorkload } from './load/workloads';
import { percentileSpec, writeChart } from './report/write-chart';
import type { ServerProcess } from './servers/server-process';

const USAGE = `usage: npm run bench -- [--quick] [--pairs 100] [--seconds 10] [--repeats 3]
       [--relay-rate 2000] [--persisted-rate 100] [--sweep-rates 100,200,400,800] [--no-sweep] [--only relay|persisted|connect|messages]
       [--connect-sockets 3000] [--idle-sockets 20000]
       [--ours-env KEY=VALUE ...] [--baseline-env KEY=VALUE ...] [--adapter-move MODE]

Two of our built servers (Redis adapter, presence in Redis) beside two baseline processes
(bare Socket.IO + the same Redis adapter; the naive MERN message handler on the same store),
one shared redis-server and one store. N sender→receiver pairs, senders on instance A and
receivers on B, open-loop sends at a fixed rate, latency from the scheduled send time to the
receiver's event. Scenarios alternate ours/baseline over several repeats; medians and ratios.
  relay      typing at --relay-rate/s (no store)
  persisted  message:send at --persisted-rate/s (ack + message:new on the receiver)
  sweep      both, rising rates: the highest with 0 lost and p99 < 250 ms; and the message
             sweep: persisted at 100-800/s (--sweep-rates) on the shipped configuration and the defaults
             beside the naive handler, with the message target lines (docs/benchmarks.md)
Also: the store's own insert / insertMany / update ceiling, and connections (bench/connect-scenario):
one instance per side, --connect-sockets in bursts of 100 (p50/p99, memory, Redis and store
commands per connect, refused), then --idle-sockets idle on it (RSS, event-loop p99, CPU/s).
Writes bench-results/bench.json and charts (bench-latency.svg, bench-sweep.svg).
--quick: a smoke run (10 pairs, 2 s runs, no sweep) for CI: fails only on a crash or on
acknowledged messages lost in a run that was not overloaded; no timing is asserted.
--only messages: the message sweep alone (no fixed repeats, no rising sweep), to compare settings
quickly, e.g. --only messages --sweep-rates 200,400 --connect-sockets 100 --idle-sockets 0.
--ours-env passes extra env to our servers (e.g. --ours-env MESSAGE_LANE_SHARE=0.5),
--baseline-env to the baseline's (e.g. a CPU-profile preload, docs/benchmarks.md).
--adapter-move MODE measures our servers in the dual stage of a socket.adapter move from redis
to MODE (every broadcast on both transports, de-duplicated on arrival), held for the whole run.`;

const RELAY_SWEEP = [500, 1000, 2000, 4000, 8000];
// steps of 1.5x above 200/s, where the two sides part: a doubling step would halve the resolution of the ratio
const PERSISTED_SWEEP = [25, 50, 100, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3600, 5400];

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]! : Number.NaN;
};

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      pairs: { type: 'string' },
      seconds: { type: 'string' },
      repeats: { type: 'string' },
      'relay-rate': { type: 'string' },
      'persisted-rate': { type: 'string' },
      'sweep-rates': { type: 'string' },
      'no-sweep': { type: 'boolean', default: false },
      only: { type: 'string' },
      'ours-env': { type: 'string', multiple: true, default: [] },
      'baseline-env': { type: 'string', multiple: true, default: [] },
      'adapter-move': { type: 'string' },
      'connect-sockets': { type: 'string' },
      'idle-sockets': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quick = values.quick;
  const pairsN = Number(values.pairs ?? (quick ? 10 : 100));
  const durationMs = Number(values.seconds ?? (quick ? 2 : 10)) * 1000;
  const repeats = Number(values.repeats ?? (quick ? 1 : 3));
  const relayRate = Number(values['relay-rate'] ?? (quick ? 200 : 2000));
  const persistedRate = Number(values['persisted-rate'] ?? (quick ? 20 : 100));
  const sweep = !quick && !values['no-sweep'];
  const messageRates = values['sweep-rates']?.split(',').map(Number) ?? MESSAGE_SWEEP_RATES;
  if (messageRates.some((r) => !(r > 0)))
    throw new Error(`--sweep-rates wants rates per second, like 200,400; got ${values['sweep-rates']}`);
  if (values.only !== undefined && !['relay', 'persisted', 'connect', 'messages'].includes(values.only))
    throw new Error(`--only wants relay, persisted, connect or messages, got ${values.only}`);
  const connectOnly = values.only === 'connect';
  const messagesOnly = values.only === 'messages';
  const scenarios: ScenarioName[] = messagesOnly
    ? ['persisted']
    : values.only && !connectOnly
      ? [values.only as ScenarioName]
      : ['relay', 'persisted'];
  const sweepMs = Math.min(durationMs, 5000);
  const graceMs = quick ? 5000 : 15000;
  const envPairs = (flag: 'ours-env' | 'baseline-env') =>
    Object.fromEntries(
      (values[flag] as string[]).map((kv) => {
        const i = kv.indexOf('=');
        if (i < 1) throw new Error(`--${flag} wants KEY=VALUE, got ${kv}`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
    );
  const oursEnv = envPairs('ours-env');
  const adapterMove = values['adapter-move'];
  // held for the whole run: the cutover never comes
  if (adapterMove) oursEnv.ADAPTER_DUAL_MIN_MS ??= '3600000';
  const baselineEnv = envPairs('baseline-env');
  const started = Date.now();
  const log = (l: string) =>
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${l}\n`);
  const machine = {
    cores: cpus().length,
    loadAtStart: loadavg()[0]!,
    loadAtEnd: Number.NaN,
    node: process.version,
  };
  log(`machine: ${machine.cores} cores, load average ${machine.loadAtStart.toFixed(2)}`);

  const dbs = await startDatabases({ log, env: { ...process.env, REDIS_URL: undefined } });
  const cleanups: Array<() => Promise<unknown>> = [() => dbs.stop()];
  const servers: ServerProcess[] = [];
  const sockets: Connected['sockets'] = [];
  try {
    const redisServer = await startRedisServer();
    cleanups.push(() => redisServer.stop());
    log(`redis-server on ${redisServer.url}`);
    const redis = new Redis(redisServer.url);
    cleanups.push(() => redis.quit());

    log(`store: ${dbs.mongoKind} — measuring its ceiling…`);
    const store: StoreCeiling = await measureStoreCeiling(dbs.mongoUrl, {
      phaseMs: quick ? 500 : 3000,
      updateDocs: quick ? 200 : 1000,
      log,
    });

    const secret = randomBytes(32).toString('hex');
    const adminToken = randomBytes(16).toString('hex');
    const dbUrl = (name: string) => {
      const u = new URL(dbs.mongoUrl);
      u.pathname = `/${name}_${randomBytes(3).toString('hex')}`;
      return u.toString();
    };
    const connections: ConnectFigures[] = await runConnectScenario({
      mongoUrl: dbUrl,
      redisUrl: redisServer.url,
      redis,
      secret,
      adminToken,
      sockets: Number(values['connect-sockets'] ?? (quick ? 300 : 3000)),
      burst: 100,
      perUser: 5,
      idleSockets: Number(values['idle-sockets'] ?? (quick ? 0 : 20_000)),
      idleSeconds: 5,
      oursEnv,
      baselineEnv,
      log,
    });
    const connectTable = connectRows(connections).map(
      ([metric, o, b, d]) =>
        `${'connections'.padEnd(10)}  ${metric.padEnd(34)}  ${(Number.isFinite(o) ? o.toFixed(d) : '-').padStart(12)}  ${(Number.isFinite(b) ? b.toFixed(d) : '-').padStart(12)}  ${(Number.isFinite(o / b) ? `${(o / b).toFixed(2)}x` : '-').padStart(8)}`,
    );
    const connectChart = await writeChart(
      `${quick ? 'bench-quick' : 'bench'}-connect`,
      connectChartSpec(connections),
    );
    if (connectOnly) {
      process.stdout.write(
        `${['connections: ours (one instance) against bare Socket.IO', ...connectTable, `chart: ${connectChart}`].join('\n')}\n`,
      );
      return connections.some((c) => c.refused > 0) ? 1 : 0;
    }
    log('starting 2 of our servers and 2 baseline processes…');
    const oursDb = dbUrl('bench_ours');
    const ours = await startOurs(
      {
        MONGO_URL: oursDb,
        REDIS_URL: redisServer.url,
        JWT_SECRET: secret,
        ADMIN_TOKEN: adminToken,
        METRICS_TOKEN: adminToken,
        ...oursEnv,
      },
      2,
    );
    servers.push(...ours);
    if (adapterMove) await holdAdapterMove(ours, adminToken, adapterMove, log);
    const base = await startBaseline(
      { MONGO_URL: dbUrl('bench_base'), REDIS_URL: redisServer.url, JWT_SECRET: secret, ...baselineEnv },
      2,
    );
    servers.push(...base);

    log(`registering ${pairsN * 2} users through our REST API…`);
    const tag = randomBytes(3).toString('hex');
    const users = await registerUsers(ours[0]!.url, pairsN * 2, {
      tag,
      progress: (d, t) => d % 50 === 0 && log(`  registered ${d}/${t}`),
    });
    const senders = users.slice(0, pairsN);
    const receivers = users.slice(pairsN);

    // connect figures, interleaved per side; rss before/after for memory per connection
    const rss = (ss: ServerProcess[]) => ss.reduce((n, s) => n + rssKiB(s.child.pid!), 0);
    const rssBefore = { ours: rss(ours), baseline: rss(base) };
    const sides: Side[] = [];
    const connectMs: Record<string, number[]> = {};
    for (const [kind, fleet] of [
      ['ours', ours],
      ['baseline', base],
    ] as const) {
      log(`connecting ${pairsN * 2} sockets to ${kind} (senders on A, receivers on B)…`);
      const c = await connectPairs(
        fleet,
        senders,
        receivers,
        (d) => d % 100 === 0 && log(`  ${d} connected`),
      );
      sockets.push(...c.sockets);
      sides.push({ kind, servers: fleet, pairs: c.pairs });
      connectMs[kind] = c.connectMs;
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const side of sides) {
      const c0 = sideCpuMs(side);
      await new Promise((r) => setTimeout(r, 2000));
      side.idleCpuMsPerSecond = (sideCpuMs(side) - c0) / 2;
      log(`${side.kind} idle: ${side.idleCpuMsPerSecond.toFixed(0)} ms of CPU per second`);
    }
    const memoryPerConnectionKiB = {
      ours: (rss(ours) - rssBefore.ours) / (pairsN * 2),
      baseline: (rss(base) - rssBefore.baseline) / (pairsN * 2),
    };

    const workloads: Record<ScenarioName, Workload> = {
      relay: typingWorkload,
      persisted: messageSendWorkload,
    };
    const run = (scenario: ScenarioName, side: Side, rate: number, ms: number, repeat: number) =>
      runScenario({
        scenario,
        side,
        workload: workloads[scenario],
        rate,
        durationMs: ms,
        graceMs,
        repeat,
        redis,
        adminToken,
        storePid: dbs.mongoPid,
        progress: log,
      });

    // warm-up, not counted: one message per pair makes every pair "known" (its conversation
    // exists, as typing requires); then each scenario at its own rate for up to 3 s, so the
    // first repeat does not carry the JIT's work alone (the baseline's CPU per message still
    // falls over a run's repeats: V8's compiler and GC threads, docs/benchmarks.md).
    log('warm-up…');
    const warmMs = Math.min(3000, durationMs);
    for (const side of sides) {
      await run(
        'persisted',
        side,
        Math.min(persistedRate, pairsN * 2),
        (pairsN / Math.min(persistedRate, pairsN * 2)) * 1000,
        0,
      );
      await run('relay', side, Math.min(relayRate, 500), 1000, 0);
      for (const scenario of scenarios)
        await run(scenario, side, scenario === 'relay' ? relayRate : persistedRate, warmMs, 0);
    }

    const fixed: RunFigures[] = [];
    for (let r = 1; r <= (messagesOnly ? 0 : repeats); r++) {
      for (const scenario of scenarios) {
        const order = r % 2 === 1 ? sides : [...sides].reverse();
        for (const side of order) {
          const rate = scenario === 'relay' ? relayRate : persistedRate;
          log(`repeat ${r}/${repeats}: ${scenario} on ${side.kind} at ${rate}/s for ${durationMs / 1000} s`);
          const f = await run(scenario, side, rate, durationMs, r);
          fixed.push(f);
          log(
            `  → p50 ${f.latency.p50.toFixed(1)} ms, p99 ${f.latency.p99.toFixed(1)} ms, lost ${f.lost}, CPU ${f.serverCpuPer1000.toFixed(0)} ms/1000${
              f.bottlenecks.length ? `, bottleneck: ${f.bottlenecks.join('; ')}` : ''
            }`,
          );
        }
      }
    }

    // the message targets: shipped configuration and defaults (a third pair of our servers)
    let messageSweep: MessageSweepResult | undefined;
    if ((sweep || messagesOnly) && scenarios.includes('persisted')) {
      log('starting 2 of our servers in the defaults (no Redis-dependent write path)…');
      const defaults = await startOurs(
        {
          MONGO_URL: oursDb,
          REDIS_URL: redisServer.url,
          JWT_SECRET: secret,
          ADMIN_TOKEN: adminToken,
          ...oursEnv,
          REDIS_KEY_PREFIX: 'benchd:',
        },
        2,
        DEFAULTS_ENV,
        'defaults',
      );
      servers.push(...defaults);
      const c = await connectPairs(defaults, senders, receivers, () => {});
      sockets.push(...c.sockets);
      const defaultsSide: Side = {
        kind: 'ours',
        servers: defaults,
        pairs: c.pairs,
        idleCpuMsPerSecond: sides[0]!.idleCpuMsPerSecond,
      };
      await run('persisted', defaultsSide, Math.min(persistedRate, pairsN * 2), warmMs, 0);
      messageSweep = await runMessageSweep({
        shipped: sides[0]!,
        defaults: defaultsSide,
        baseline: sides[1]!,
        mongoUrls: { shipped: oursDb, defaults: oursDb },
        rates: messageRates,
        repeats,
        durationMs: sweepMs,
        relayRate,
        run,
        log,
      });
    }

    const sweeps: SweepResult[] = [];
    if (sweep && !messagesOnly) {
      for (const scenario of scenarios) {
        const rates = scenario === 'relay' ? RELAY_SWEEP : PERSISTED_SWEEP;
        const state = sides.map((side) => ({
          side,
          result: { scenario, side: side.kind, sustained: 0, capped: false, runs: [] } as SweepResult,
          done: false,
        }));
        for (const [k, rate] of rates.entries()) {
          const order = k % 2 === 0 ? state : [...state].reverse();
          for (const s of order) {
            if (s.done) continue;
            log(`sweep: ${scenario} on ${s.side.kind} at ${rate}/s`);
            const f = await run(scenario, s.side, rate, sweepMs, 0);
            s.result.runs.push(f);
            log(`  → p99 ${f.latency.p99.toFixed(1)} ms, lost ${f.lost}, ${f.held ? 'held' : 'not held'}`);
            if (f.held) s.result.sustained = rate;
            else s.done = true;
          }
          if (state.every((s) => s.done)) break;
        }
        for (const s of state) {
          s.result.capped = !s.done;
          sweeps.push(s.result);
        }
      }
    }
    machine.loadAtEnd = loadavg()[0]!;

    // medians over repeats
    const summaries: Summary[] = [];
    for (const scenario of ['relay', 'persisted'] as const)
      for (const side of ['ours', 'baseline'] as const) {
        const rs = fixed.filter((f) => f.scenario === scenario && f.side === side);
        if (rs.length === 0) continue;
        const m = (k: (f: RunFigures) => number) => median(rs.map(k));
        summaries.push({
          scenario,
          side,
          rate: rs[0]!.rate,
          repeats: rs.length,
          p50: m((f) => f.latency.p50),
          p99: m((f) => f.latency.p99),
          max: m((f) => f.latency.max),
          serverCpuPer1000: m((f) => f.serverCpuPer1000),
          storeCpuPer1000: m((f) => f.storeCpuPer1000),
          storeCommandsPerMessage: m((f) => f.storeCommandsPerMessage),
          redisCommandsPerMessage: m((f) => f.redisCommandsPerMessage),
          lost: m((f) => f.lost),
          lostTotal: rs.reduce((n, f) => n + f.lost, 0),
          undelivered: m((f) => f.undelivered),
          overloadedRuns: rs.filter((f) => f.overloaded).length,
          sent: rs.reduce((n, f) => n + f.sent, 0),
          delivered: rs.reduce((n, f) => n + f.delivered, 0),
        });
      }
    const targets = judgeTargets(summaries, sweeps, { relayRate, persistedRate });

    // the table
    const out: string[] = [];
    const row = (cells: string[], widths: number[]) =>
      cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    const W = [10, 34, 12, 12, 8];
    const f2 = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');
    out.push(
      `bench: ${pairsN} pairs (sender on A → receiver on B), 2 instances per side, ${dbs.mongoKind} store, own redis-server;`,
      `${repeats} repeat(s) of ${durationMs / 1000} s per scenario, ours/baseline alternating; figures are medians over repeats`,
      `machine: ${machine.cores} cores, load average ${f2(machine.loadAtStart)} at start, ${f2(machine.loadAtEnd)} at end; ${machine.node}`,
      '',
      row(['scenario', 'metric', 'ours', 'baseline', 'ratio'], W),
    );
    const metricRow = (scenario: string, name: string, o: number, b: number, d = 2) =>
      out.push(
        row([scenario, name, f2(o, d), f2(b, d), Number.isFinite(o / b) ? `${(o / b).toFixed(2)}x` : '-'], W),
      );
    for (const scenario of ['relay', 'persisted'] as const) {
      const o = summaries.find((s) => s.scenario === scenario && s.side === 'ours');
      const b = summaries.find((s) => s.scenario === scenario && s.side === 'baseline');
      if (!o || !b) continue;
      const label = `${scenario}`;
      out.push(row([label, `(${o.rate}/s, ${o.sent} sent per side)`, '', '', ''], W));
      metricRow(label, 'p50 ms', o.p50, b.p50);
      metricRow(label, 'p99 ms', o.p99, b.p99);
      metricRow(label, 'max ms', o.max, b.max);
      metricRow(label, 'lost (acked, never received)', o.lost, b.lost, 0);
      metricRow(label, 'undelivered within the window', o.undelivered, b.undelivered, 0);
      out.push(
        row(
          [
            label,
            'runs overloaded',
            `${o.overloadedRuns}/${o.repeats}`,
            `${b.overloadedRuns}/${b.repeats}`,
            '',
          ],
          W,
        ),
      );
      metricRow(label, 'server CPU ms per 1,000 sent', o.serverCpuPer1000, b.serverCpuPer1000, 0);
      metricRow(label, 'store CPU ms per 1,000 sent', o.storeCpuPer1000, b.storeCpuPer1000, 0);
      metricRow(label, 'store commands per message', o.storeCommandsPerMessage, b.storeCommandsPerMessage);
      metricRow(label, 'Redis commands per message', o.redisCommandsPerMessage, b.redisCommandsPerMessage);
    }
    for (const s of sweeps.filter((x) => x.side === 'ours')) {
      const b = sweeps.find((x) => x.scenario === s.scenario && x.side === 'baseline')!;
      out.push(
        row(
          [
            s.scenario,
            'sweep: highest rate held /s',
            `${s.sustained}${s.capped ? '+' : ''}`,
            `${b.sustained}${b.capped ? '+' : ''}`,
            b.sustained ? `${(s.sustained / b.sustained).toFixed(2)}x` : '-',
          ],
          W,
        ),
      );
    }
    const [oc, bc] = [connectMs.ours!, connectMs.baseline!];
    metricRow('connect', 'p50 ms', quantile(oc, 0.5), quantile(bc, 0.5));
    metricRow('connect', 'p99 ms', quantile(oc, 0.99), quantile(bc, 0.99));
    metricRow(
      'connect',
      'memory per connection KiB',
      memoryPerConnectionKiB.ours,
      memoryPerConnectionKiB.baseline,
      1,
    );
    out.push(...connectTable);
    out.push(
      '',
      `store ceiling (${dbs.mongoKind}, this run): insertOne sequential ${store.sequentialInsertsPerSecond}/s, ${store.concurrency} in flight ${store.concurrentInsertsPerSecond}/s; insertMany x50 ${store.insertManyDocsPerSecond} docs/s; updateOne by _id (${store.updateCollectionDocs} docs) ${store.updatesByIdPerSecond}/s`,
    );
    const allRuns = [...fixed, ...sweeps.flatMap((s) => s.runs)];
    const bottlenecked = allRuns.filter((f) => f.bottlenecks.length > 0);
    if (bottlenecked.length)
      for (const f of bottlenecked)
        out.push(
          `bottleneck: ${f.scenario} ${f.side} at ${f.rate}/s: ${f.bottlenecks.join('; ')} (figures there measure the bench, not the server)`,
        );
    else out.push('bottleneck: neither the load generator nor Redis was saturated in any run');
    out.push('', 'targets (ours against the baseline, this run):');
    for (const t of [...targets, ...(messageSweep?.targets ?? [])])
      out.push(`  ${t.verdict.padEnd(4)}  ${t.name}: ${t.detail}`);
    if (messageSweep) out.push('', ...sweepTable(messageSweep.points));

    // the CI gate: a crash throws above; a lost acknowledged message in a run that kept up fails
    const lostWhileHealthy = allRuns.filter((f) => f.lost > 0 && !f.overloaded && f.bottlenecks.length === 0);
    for (const f of lostWhileHealthy)
      out.push(
        `FAIL: ${f.lost} acknowledged ${f.scenario} sends never reached the receiver on ${f.side} at ${f.rate}/s (not overloaded)`,
      );

    // charts and JSON
    const series = (scenario: string, side: string) => {
      const h = createLatencyHistogram();
      for (const f of fixed) if (f.scenario === scenario && f.side === side) h.add(f.histogram);
      return histogramRows(`${scenario} ${side} (${scenario === 'relay' ? relayRate : persistedRate}/s)`, h);
    };
    const name = quick ? 'bench-quick' : 'bench';
    const latencyChart = await writeChart(
      `${name}-latency`,
      percentileSpec(
        `Scheduled send → receiver's event, ${pairsN} pairs across 2 instances (all repeats)`,
        'ms (log)',
        ['relay', 'persisted'].flatMap((sc) => [...series(sc, 'ours'), ...series(sc, 'baseline')]),
      ),
    );
    const charts = [latencyChart, connectChart];
    if (sweeps.length) {
      const rows: SweepRow[] = sweeps.flatMap((s) =>
        s.runs.map((f) => ({
          series: `${s.scenario} ${s.side}`,
          rate: f.rate,
          p99: Math.max(0.01, f.latency.p99),
          lost: f.lost,
          held: f.held,
        })),
      );
      charts.push(
        await writeChart(
          `${name}-sweep`,
          sweepSpec('Rate sweep: p99 by offered rate (dashed: 250 ms)', rows, 250),
        ),
      );
    }
    const strip = ({ histogram: _h, ...rest }: RunFigures) => rest;
    const json = {
      when: new Date().toISOString(),
      command: `npm run bench -- ${args.join(' ')}`.trim(),
      options: {
        quick,
        pairs: pairsN,
        durationMs,
        repeats,
        relayRate,
        persistedRate,
        sweep,
        sweepMs,
        oursEnv,
        baselineEnv,
      },
      machine,
      store: { kind: dbs.mongoKind, ceiling: store },
      connect: {
        oursP50: quantile(oc, 0.5),
        baselineP50: quantile(bc, 0.5),
        oursP99: quantile(oc, 0.99),
        baselineP99: quantile(bc, 0.99),
        memoryPerConnectionKiB,
        scenario: connections.map(({ connectMs: _c, ...rest }) => rest),
      },
      summaries,
      targets,
      fixedRuns: fixed.map(strip),
      sweeps: sweeps.map((s) => ({ ...s, runs: s.runs.map(strip) })),
      messageSweep,
      failures: lostWhileHealthy.length,
    };
    const dir = resolve(__dirname, '..', '..', 'bench-results');
    mkdirSync(dir, { recursive: true });
    const jsonFile = join(dir, `${name}.json`);
    writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
    out.push('', `json: ${jsonFile}`, ...charts.map((c) => `chart: ${c}`));
    process.stdout.write(`${out.join('\n')}\n`);
    return lostWhileHealthy.length > 0 ? 1 : 0;
  } finally {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.stop()));
    for (const c of cleanups.reverse()) await c().catch(() => {});
  }
}
