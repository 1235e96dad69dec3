import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type ChartSpec, OUT_DIR } from '../../../scripts/report/write-chart';
import type { ChaosRun } from './chaos-run';

/** The lines a person reads after a run: what was sent, what became of it, what the faults did. */
export function chaosFigures(run: ChaosRun, extra: Record<string, unknown> = {}): string[] {
  const a = run.audit;
  const lines = [
    `${run.label} [${run.mode}] @ ${run.ratePerSecond}/s for ${run.durationMs / 1000} s`,
    `  sent ${run.sent}  acked ${run.acked}  delivered live ${a.deliveredLive}  recovered by sync ${a.recoveredBySync}  lost ${a.lost}  stored ${a.stored}/${a.acked}`,
    `  ack errors ${JSON.stringify(run.ackErrors)}  ack timeouts ${run.ackTimeouts}  latency p50 ${run.latencyMs.p50.toFixed(1)} ms p99 ${run.latencyMs.p99.toFixed(1)} ms`,
    `  Mongo-only routes: ${run.routes.requests} requests, ${run.routes.serverErrors.length} ≥ 500, ${run.routes.connectionErrors} without an answer`,
  ];
  if (run.feed) {
    const f = run.feed;
    lines.push(
      `  feed: ${f.acked} posts acked (${f.unacked} stored unacked), journal empty ${f.backlogEmptyAfterMs} ms after the run, ${f.compared} first pages from timelines compared: ${f.mismatches.length} mismatches, ${f.missing.length} acked posts missing, ${f.neverFromTimeline.length} never from the timeline`,
    );
  }
  for (const m of run.marks) lines.push(`  ${m.fault}: ${m.what} at ${(m.t / 1000).toFixed(1)} s`);
  for (const [k, v] of Object.entries(extra)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  return lines;
}

const BUILT_WRITE_CHART = resolve(__dirname, '..', '..', '..', 'dist', 'scripts', 'report', 'write-chart.js');

/**
 * writeChart in a child process on the built scripts: vega is ESM and Jest's CommonJS runtime
 * refuses its dynamic import (the global setup has built dist/).
 */
export function renderChart(name: string, spec: ChartSpec): string {
  const code = `const { writeChart } = require(${JSON.stringify(BUILT_WRITE_CHART)});
let s = '';
process.stdin.on('data', (c) => (s += c)).on('end', () =>
  writeChart(${JSON.stringify(name)}, JSON.parse(s)).then((f) => process.stdout.write(f)));`;
  const res = spawnSync(process.execPath, ['-e', code], { input: JSON.stringify(spec), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`chart ${name}: ${res.stderr}`);
  return res.stdout;
}

/** Delivery over time (sends, acks, deliveries per second) with each fault's window shaded. */
function deliverySpec(run: ChaosRun) {
  const rows = run.timeline.flatMap((r) => [
    { second: r.second, series: 'sent', count: r.sent },
    { second: r.second, series: 'acked', count: r.acked },
    { second: r.second, series: 'delivered live', count: r.delivered },
  ]);
  const faults = new Map<string, { fault: string; from: number; to: number }>();
  for (const m of run.marks) {
    const f = faults.get(m.fault) ?? { fault: m.fault, from: m.t / 1000, to: m.t / 1000 };
    f.from = Math.min(f.from, m.t / 1000);
    f.to = Math.max(f.to, m.t / 1000, f.from + 0.3);
    faults.set(m.fault, f);
  }
  return {
    title: `${run.label} [${run.mode}]: delivery per second, faults shaded`,
    width: 640,
    height: 280,
    layer: [
      {
        data: { values: [...faults.values()] },
        mark: { type: 'rect', opacity: 0.18, color: '#d62728' },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
      },
      {
        data: { values: [...faults.values()] },
        mark: { type: 'text', align: 'left', baseline: 'top', dy: 4, dx: 2, fontSize: 10, angle: 0 },
        encoding: { x: { field: 'from', type: 'quantitative' }, y: { value: 0 }, text: { field: 'fault' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the load started' },
          y: { field: 'count', type: 'quantitative', title: 'per second' },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
        },
      },
    ],
  };
}

/**
 * Prints the figures, writes bench-results/chaos/<name>.json (the run, its samples and the extra
 * figures) and bench-results/chaos/<name>.svg (delivery over time, faults marked).
 */
export async function writeChaosReport(
  name: string,
  run: ChaosRun,
  extra: Record<string, unknown> = {},
): Promise<{ json: string; svg: string; lines: string[] }> {
  const lines = chaosFigures(run, extra);
  const dir = join(OUT_DIR, 'chaos');
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  writeFileSync(json, `${JSON.stringify({ ...run, extra }, null, 2)}\n`);
  const svg = renderChart(`chaos/${name}`, deliverySpec(run));
  lines.push(`  report ${json}`, `  chart ${svg}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return { json, svg, lines };
}

/** The storm's chart: sockets back over time, with the kill and the replacement's start marked. */
export function stormSpec(backAtMs: number[], total: number, marks: Array<{ what: string; atMs: number }>) {
  const sorted = [...backAtMs].sort((a, b) => a - b);
  const rows = [{ second: 0, back: 0 }, ...sorted.map((t, i) => ({ second: t / 1000, back: i + 1 }))];
  return {
    title: `Reconnect storm: ${total} sockets back after their instance was SIGKILLed`,
    width: 640,
    height: 260,
    layer: [
      {
        data: { values: marks.map((m) => ({ ...m, second: m.atMs / 1000 })) },
        mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
        encoding: { x: { field: 'second', type: 'quantitative' } },
      },
      {
        data: { values: marks.map((m) => ({ ...m, second: m.atMs / 1000 })) },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, dy: 4, fontSize: 10 },
        encoding: { x: { field: 'second', type: 'quantitative' }, y: { value: 0 }, text: { field: 'what' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 'second', type: 'quantitative', title: 'seconds since the SIGKILL' },
          y: {
            field: 'back',
            type: 'quantitative',
            title: 'sockets reconnected',
            scale: { domain: [0, total] },
          },
        },
      },
    ],
  };
}
