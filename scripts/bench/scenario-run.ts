import type { Redis } from 'ioredis';
import type { Histogram, LatencySummary } from '../load/latency-histogram';
import { type OpenLoopResult, type Pair, runOpenLoop, type Workload } from '../load/open-loop';
import { processCpuMs } from '../load/process-cpu';
import type { ServerProcess } from '../servers/server-process';
import { formatStages, readMessageStages, type StageFigures, stageDelta } from './message-stages';
import { readRedisCounters } from './redis-counters';
import { readServerCounters, type ServerKind } from './server-counters';

export type ScenarioName = 'relay' | 'persisted';

/** One side of the comparison: two server processes and the pairs connected across them. */
export interface Side {
  kind: ServerKind;
  servers: ServerProcess[];
  pairs: Pair[];
  /**
   * the side's CPU per second with no load, measured after connecting: settling waits for
   * that, not for zero (a CPU-profiled server never gets under 5 % of a core)
   */
  idleCpuMsPerSecond?: number;
}

/** p99 above this, or any loss, and a rate is not "held" (the sweep's definition). */
export const HELD_P99_MS = 250;

export interface RunFigures {
  scenario: ScenarioName;
  side: ServerKind;
  rate: number;
  repeat: number;
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  ackTimeouts: number;
  unanswered: number;
  undelivered: number;
  /** how long the servers took to go idle after the window */
  settleMs: number;
  ackErrors: Record<string, number>;
  latency: LatencySummary;
  ackLatency: LatencySummary;
  /** server CPU (both processes) per 1,000 sent, ms (read once the servers are idle again) */
  serverCpuPer1000: number;
  /** server CPU as cores busy over the run (both processes) */
  serverCores: number;
  /** the store process's CPU per 1,000 sent, ms (NaN when the store runs elsewhere) */
  storeCpuPer1000: number;
  storeCommandsPerMessage: number;
  redisCommandsPerMessage: number;
  redisCores: number;
  generatorCores: number;
  scheduleLagP99Ms: number;
  /** 0 lost, everything delivered and every ack answered ok in time, p99 under HELD_P99_MS */
  held: boolean;
  /** the servers fell behind (acks timed out or p99 over the line): a loss here is not a CI failure */
  overloaded: boolean;
  bottlenecks: string[];
  /** ours, persisted: ms per stage of a send (message_stage_seconds), mean and p99 bucket */
  stages?: Record<string, StageFigures> | undefined;
  histogram: Histogram;
}

/**
 * One open-loop run against one side, with the server, store and Redis counters read before
 * and after (the grace wait is inside, so late work is charged to the run that caused it).
 */
export async function runScenario(opts: {
  scenario: ScenarioName;
  side: Side;
  workload: Workload;
  rate: number;
  durationMs: number;
  graceMs: number;
  repeat: number;
  redis: Redis;
  adminToken: string;
  /** the store's process, when it runs on this machine: its CPU is charged to the run */
  storePid?: number | undefined;
  progress: (line: string) => void;
}): Promise<RunFigures> {
  const { side } = opts;
  const tag = `${opts.scenario[0]}${side.kind[0]}${opts.repeat}r${opts.rate}x${Math.random().toString(36).slice(2, 6)}.`;
  const staged = side.kind === 'ours' && opts.scenario === 'persisted';
  const storeCpu = () => (opts.storePid === undefined ? Number.NaN : processCpuMs(opts.storePid));
  const store0 = storeCpu();
  const [s0, r0, st0] = await Promise.all([
    readServerCounters(side.kind, side.servers, opts.adminToken),
    readRedisCounters(opts.redis),
    staged ? readMessageStages(side.servers, opts.adminToken) : undefined,
  ]);
  const res: OpenLoopResult = await runOpenLoop({
    label: `${opts.scenario} ${side.kind}`,
    pairs: side.pairs,
    workload: opts.workload,
    ratePerSecond: opts.rate,
    durationMs: opts.durationMs,
    graceMs: opts.graceMs,
    runTag: tag,
    progress: opts.progress,
  });
  // Wait for the servers to go idle, so work queued by an overloaded run is charged to it and
  // does not slow the next one.
  const settleMs = await settle(side, opts.progress);
  const store1 = storeCpu();
  const [s1, r1, st1] = await Promise.all([
    readServerCounters(side.kind, side.servers, opts.adminToken),
    readRedisCounters(opts.redis),
    staged ? readMessageStages(side.servers, opts.adminToken) : undefined,
  ]);
  const stages = st0 && st1 ? stageDelta(st0, st1) : undefined;
  if (stages) opts.progress(`  stages, ms per send: ${formatStages(stages)}`);
  for (const s of side.servers)
    if (s.child.exitCode !== null || s.child.signalCode !== null)
      throw new Error(
        `${side.kind} server ${s.instanceId} died during ${opts.scenario}:\n${s.output().slice(-3000)}`,
      );

  // per message sent: every send has been processed once the servers are idle again
  const per = res.sent;
  const ackErrorCount = Object.values(res.ackErrors).reduce((a, b) => a + b, 0);
  const overloaded = res.ackTimeouts > 0 || res.unanswered > 0 || !(res.latency.p99 < HELD_P99_MS);
  const bottlenecks: string[] = [];
  const redisCores = (r1.cpuMs - r0.cpuMs) / res.wallMs;
  if (res.generator.cpuCores > 0.85)
    bottlenecks.push(`load generator CPU (${(res.generator.cpuCores * 100).toFixed(0)} % of a core)`);
  else if (res.scheduleLag.p99 > 50)
    bottlenecks.push(
      `load generator sent late (schedule lag p99 ${res.scheduleLag.p99.toFixed(0)} ms at ${(res.generator.cpuCores * 100).toFixed(0)} % of a core: the machine is busy)`,
    );
  if (redisCores > 0.85) bottlenecks.push(`Redis (${(redisCores * 100).toFixed(0)} % of a core)`);
  return {
    scenario: opts.scenario,
    side: side.kind,
    rate: opts.rate,
    repeat: opts.repeat,
    sent: res.sent,
    acked: res.acked,
    delivered: res.delivered,
    lost: res.lost,
    ackTimeouts: res.ackTimeouts,
    unanswered: res.unanswered,
    undelivered: res.undelivered,
    settleMs,
    ackErrors: res.ackErrors,
    latency: res.latency,
    ackLatency: res.ackLatency,
    serverCpuPer1000: ((s1.cpuMs - s0.cpuMs) * 1000) / per,
    serverCores: (s1.cpuMs - s0.cpuMs) / res.wallMs,
    storeCpuPer1000: ((store1 - store0) * 1000) / per,
    storeCommandsPerMessage: (s1.mongoCommands - s0.mongoCommands) / per,
    redisCommandsPerMessage: (r1.commands - r0.commands) / per,
    redisCores,
    generatorCores: res.generator.cpuCores,
    scheduleLagP99Ms: res.scheduleLag.p99,
    held:
      res.lost === 0 &&
      res.undelivered === 0 &&
      res.ackTimeouts === 0 &&
      res.unanswered === 0 &&
      ackErrorCount === 0 &&
      res.latency.p99 < HELD_P99_MS,
    overloaded,
    bottlenecks,
    stages,
    histogram: res.histogram,
  };
}

/** CPU used so far by the side's server processes, in ms. */
export function sideCpuMs(side: Pick<Side, 'servers'>): number {
  return side.servers.reduce((n, s) => n + processCpuMs(s.child.pid!), 0);
}

/**
 * Polls the side's server CPU each second until a second passes under 5 % of a core, or under
 * 1.5x the side's idle CPU when that is more (at most 2 min).
 */
async function settle(side: Side, progress: (line: string) => void): Promise<number> {
  const started = performance.now();
  const cpu = () => sideCpuMs(side);
  let last = cpu();
  let logged = 0;
  while (performance.now() - started < 120_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpu();
    if (now - last <= Math.max(50, 1.5 * (side.idleCpuMsPerSecond ?? 0))) break;
    last = now;
    if (performance.now() - started - logged > 5000) {
      logged = performance.now() - started;
      progress(`  waiting for ${side.kind} to go idle (${Math.round(logged / 1000)} s)…`);
    }
  }
  return performance.now() - started;
}
