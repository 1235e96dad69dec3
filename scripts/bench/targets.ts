import type { RunFigures } from './scenario-run';

export interface SweepResult {
  scenario: 'relay' | 'persisted';
  side: 'ours' | 'baseline';
  /** highest rate held (0 lost, p99 < 250 ms); 0 when none was */
  sustained: number;
  /** true when the highest rate tried still held: the figure is a lower bound */
  capped: boolean;
  runs: RunFigures[];
}

export interface Summary {
  scenario: 'relay' | 'persisted';
  side: 'ours' | 'baseline';
  rate: number;
  repeats: number;
  /** medians over the repeats */
  p50: number;
  p99: number;
  max: number;
  serverCpuPer1000: number;
  storeCpuPer1000: number;
  storeCommandsPerMessage: number;
  redisCommandsPerMessage: number;
  lost: number;
  /** summed over the repeats */
  lostTotal: number;
  undelivered: number;
  overloadedRuns: number;
  sent: number;
  delivered: number;
}

export interface TargetLine {
  name: string;
  verdict: 'PASS' | 'MISS' | 'n/a';
  detail: string;
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/**
 * The bench's targets (how far ours may trail the naive baseline), each judged on this run's
 * figures: same run, same store, two instances each. docs/benchmarks.md lists them.
 */
export function judgeTargets(
  summaries: Summary[],
  sweeps: SweepResult[],
  opts: { relayRate: number; persistedRate: number },
): TargetLine[] {
  const get = (scenario: string, side: string) =>
    summaries.find((s) => s.scenario === scenario && s.side === side);
  const sweep = (scenario: string, side: string) =>
    sweeps.find((s) => s.scenario === scenario && s.side === side);
  const lines: TargetLine[] = [];
  const ratio = (
    name: string,
    ours: number | undefined,
    base: number | undefined,
    max: number,
    unit: string,
    applies: boolean,
    why: string,
  ) => {
    if (
      !applies ||
      ours === undefined ||
      base === undefined ||
      !Number.isFinite(ours) ||
      !Number.isFinite(base)
    )
      return lines.push({ name, verdict: 'n/a', detail: why });
    const r = ours / base;
    lines.push({
      name,
      verdict: r <= max ? 'PASS' : 'MISS',
      detail: `${fmt(ours)} / ${fmt(base)} ${unit} = ${fmt(r)}x (target <= ${max}x)`,
    });
  };
  const po = get('persisted', 'ours');
  const pb = get('persisted', 'baseline');
  const ro = get('relay', 'ours');
  const rb = get('relay', 'baseline');
  const so = sweep('persisted', 'ours');
  const sb = sweep('persisted', 'baseline');
  // Our servers send a few store commands of their own whatever the traffic (each instance's
  // flag poll, one find per 10 s). The relay runs store nothing, so their commands per second
  // are that background; the message path's commands are what is left of a persisted figure.
  const backgroundPerSecond =
    ro && Number.isFinite(ro.storeCommandsPerMessage) ? ro.storeCommandsPerMessage * ro.rate : 0;
  const messagePath = (commands: number, rate: number) => {
    const background = backgroundPerSecond / rate;
    const net = commands - background;
    const detail =
      background > 0
        ? `${fmt(net)} at ${rate}/s (${fmt(commands, 3)} measured, ${fmt(background, 3)} of it background, from the relay runs)`
        : `${fmt(net)} at ${rate}/s`;
    return { net, detail };
  };

  if (so && sb) {
    const r = so.sustained / Math.max(1, sb.sustained);
    const bound = (s: SweepResult) => `${s.sustained}/s${s.capped ? '+' : ''}`;
    lines.push({
      name: 'persisted: sustained rate >= 2x baseline',
      verdict: so.sustained >= 2 * sb.sustained && so.sustained > 0 ? 'PASS' : 'MISS',
      detail: `${bound(so)} vs ${bound(sb)} = ${fmt(r)}x`,
    });
  } else
    lines.push({
      name: 'persisted: sustained rate >= 2x baseline',
      verdict: 'n/a',
      detail: 'no sweep in this run',
    });
  const at100 = opts.persistedRate === 100;
  ratio(
    'persisted: p99 at 100/s <= 2x baseline',
    po?.p99,
    pb?.p99,
    2,
    'ms',
    at100,
    !po ? 'persisted did not run' : `persisted ran at ${opts.persistedRate}/s, not 100/s`,
  );
  ratio(
    'persisted: server CPU per message <= 1.5x baseline',
    po?.serverCpuPer1000,
    pb?.serverCpuPer1000,
    1.5,
    'ms/1000',
    true,
    '',
  );
  const lostOurs = po ? po.lostTotal + (so?.runs.reduce((n, r) => n + r.lost, 0) ?? 0) : undefined;
  lines.push({
    name: 'persisted: 0 lost',
    verdict: lostOurs === undefined ? 'n/a' : lostOurs === 0 ? 'PASS' : 'MISS',
    detail: `${lostOurs ?? '-'} acknowledged messages lost over every persisted run of ours`,
  });
  const low =
    po && Number.isFinite(po.storeCommandsPerMessage) && messagePath(po.storeCommandsPerMessage, po.rate);
  lines.push(
    low
      ? {
          name: 'store commands per message <= 2 (known pair, low load)',
          verdict: low.net <= 2 ? 'PASS' : 'MISS',
          detail: low.detail,
        }
      : {
          name: 'store commands per message <= 2 (known pair, low load)',
          verdict: 'n/a',
          detail: 'no command counts',
        },
  );
  const peak = so?.runs.filter((r) => r.held).sort((a, b) => b.rate - a.rate)[0];
  const atPeak =
    peak &&
    Number.isFinite(peak.storeCommandsPerMessage) &&
    messagePath(peak.storeCommandsPerMessage, peak.rate);
  lines.push(
    atPeak
      ? {
          name: 'store commands per message <= 0.5 at the sustained peak',
          verdict: atPeak.net <= 0.5 ? 'PASS' : 'MISS',
          detail: atPeak.detail,
        }
      : {
          name: 'store commands per message <= 0.5 at the sustained peak',
          verdict: 'n/a',
          detail: so ? 'no held rate' : 'no sweep in this run',
        },
  );
  const at2000 = opts.relayRate === 2000;
  const relayWhy = !ro ? 'relay did not run' : `relay ran at ${opts.relayRate}/s, not 2,000/s`;
  ratio('relay: p99 at 2,000/s <= 1.5x bare', ro?.p99, rb?.p99, 1.5, 'ms', at2000, relayWhy);
  ratio(
    'relay: CPU per event at 2,000/s <= 1.1x bare',
    ro?.serverCpuPer1000,
    rb?.serverCpuPer1000,
    1.1,
    'ms/1000',
    at2000,
    relayWhy,
  );
  return lines;
}
