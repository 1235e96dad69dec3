import mongoose from 'mongoose';
import type { Socket } from 'socket.io-client';
import type { RunFigures, ScenarioName, Side } from './scenario-run';
import type { TargetLine } from './targets';

/** The rates the persisted targets are judged at, each with three repeats. */
export const MESSAGE_SWEEP_RATES = [100, 200, 400, 800];

type Run = (
  scenario: ScenarioName,
  side: Side,
  rate: number,
  ms: number,
  repeat: number,
) => Promise<RunFigures>;

/** One configuration at one rate: medians over the repeats, with the baseline's beside it. */
export interface SweepPoint {
  config: 'shipped' | 'defaults';
  rate: number;
  repeats: number;
  p50: number;
  p99: number;
  cpuPer1000: number;
  /** the store process's CPU per 1,000 messages (NaN: the store runs elsewhere) */
  storeCpuPer1000: number;
  baseline: { p50: number; p99: number; cpuPer1000: number; storeCpuPer1000: number };
  lost: number;
  outOfOrder: number;
  /** ms per stage of a send, medians of the runs' means (message_stage_seconds) */
  stages: Record<string, number>;
}

export interface UnreadCheck {
  conversations: number;
  /** conversations whose unread count for a participant differs from the messages they hold */
  wrong: number;
}

export interface MessageSweepResult {
  points: SweepPoint[];
  unread: Record<'shipped' | 'defaults', UnreadCheck>;
  relay: { rate: number; ours: number[]; bare: number[]; bareControl: number[] };
  targets: TargetLine[];
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Counts, per pair, message:new arrivals that come before an earlier send of the same sender
 * (keys are the run tag plus a rising send number).
 */
function orderWatch(pairs: Side['pairs']) {
  let outOfOrder = 0;
  const last = new Map<string, number>();
  const listeners: Array<[Socket, (p: unknown) => void]> = [];
  for (const pair of pairs) {
    const listener = (payload: unknown) => {
      const m = (payload as { message?: { senderId?: string; clientId?: string } }).message;
      const n = Number(/(\d+)$/.exec(m?.clientId ?? '')?.[1]);
      if (!m?.senderId || !Number.isFinite(n)) return;
      const key = `${m.senderId}>${pair.receiverId}:${m.clientId!.replace(/\d+$/, '')}`;
      if ((last.get(key) ?? -1) > n) outOfOrder++;
      else last.set(key, n);
    };
    pair.receiver.on('message:new', listener);
    listeners.push([pair.receiver, listener]);
  }
  return {
    stop: () => {
      for (const [s, l] of listeners) s.off('message:new', l);
      return outOfOrder;
    },
  };
}

/**
 * Unread counts against the store: every conversation's count for each participant equals the
 * messages addressed to them in it (the bench's receivers never mark anything seen).
 */
export async function checkUnread(mongoUrl: string): Promise<UnreadCheck> {
  const conn = await mongoose.createConnection(mongoUrl, { autoIndex: false }).asPromise();
  try {
    const held = await conn
      .collection('messages')
      .aggregate<{ _id: { c: mongoose.Types.ObjectId; r: mongoose.Types.ObjectId }; n: number }>([
        { $group: { _id: { c: '$conversation', r: '$recipient' }, n: { $sum: 1 } } },
      ])
      .toArray();
    const expected = new Map(held.map((h) => [`${h._id.c.toHexString()}:${h._id.r.toHexString()}`, h.n]));
    const conversations = await conn
      .collection('conversations')
      .find({}, { projection: { participants: 1, unread: 1 } })
      .toArray();
    let wrong = 0;
    for (const c of conversations) {
      const unread = (c.unread ?? {}) as Record<string, number>;
      for (const p of c.participants as mongoose.Types.ObjectId[]) {
        const id = p.toHexString();
        if ((unread[id] ?? 0) !== (expected.get(`${c._id.toHexString()}:${id}`) ?? 0)) wrong++;
      }
    }
    return { conversations: conversations.length, wrong };
  } finally {
    await conn.close();
  }
}

/**
 * The message targets: persisted sends at each rate of MESSAGE_SWEEP_RATES on our shipped
 * configuration and on the defaults, each beside the naive baseline (alternating, three
 * repeats, medians), then relay at `relayRate` against bare Socket.IO with a bare-against-bare
 * control in the same run, which shows what the machine's own noise does to a ratio.
 */
export async function runMessageSweep(opts: {
  shipped: Side;
  defaults: Side;
  baseline: Side;
  /** the store database each of our configurations writes to */
  mongoUrls: Record<'shipped' | 'defaults', string>;
  rates: number[];
  repeats: number;
  durationMs: number;
  relayRate: number;
  run: Run;
  log: (line: string) => void;
}): Promise<MessageSweepResult> {
  const points: SweepPoint[] = [];
  const unread = {} as MessageSweepResult['unread'];
  for (const [config, side] of [
    ['shipped', opts.shipped],
    ['defaults', opts.defaults],
  ] as const) {
    for (const rate of opts.rates) {
      const ours: RunFigures[] = [];
      const base: RunFigures[] = [];
      let outOfOrder = 0;
      for (let r = 1; r <= opts.repeats; r++) {
        const order = r % 2 === 1 ? [side, opts.baseline] : [opts.baseline, side];
        for (const s of order) {
          opts.log(
            `message sweep (${config}): ${s === side ? 'ours' : 'baseline'} at ${rate}/s, repeat ${r}`,
          );
          const watch = s === side ? orderWatch(s.pairs) : undefined;
          const f = await opts.run('persisted', s, rate, opts.durationMs, r);
          outOfOrder += watch?.stop() ?? 0;
          (s === side ? ours : base).push(f);
          opts.log(
            `  → p50 ${f.latency.p50.toFixed(1)} ms, p99 ${f.latency.p99.toFixed(1)} ms, lost ${f.lost}`,
          );
        }
      }
      const stageNames = [...new Set(ours.flatMap((f) => Object.keys(f.stages ?? {})))];
      points.push({
        config,
        rate,
        repeats: ours.length,
        p50: median(ours.map((f) => f.latency.p50)),
        p99: median(ours.map((f) => f.latency.p99)),
        cpuPer1000: median(ours.map((f) => f.serverCpuPer1000)),
        storeCpuPer1000: median(ours.map((f) => f.storeCpuPer1000)),
        baseline: {
          p50: median(base.map((f) => f.latency.p50)),
          p99: median(base.map((f) => f.latency.p99)),
          cpuPer1000: median(base.map((f) => f.serverCpuPer1000)),
          storeCpuPer1000: median(base.map((f) => f.storeCpuPer1000)),
        },
        lost: ours.reduce((n, f) => n + f.lost, 0),
        outOfOrder,
        stages: Object.fromEntries(
          stageNames.map((s) => [s, median(ours.map((f) => f.stages?.[s]?.meanMs ?? Number.NaN))]),
        ),
      });
    }
    unread[config] = await checkUnread(opts.mongoUrls[config]);
    opts.log(
      `unread counts (${config}): ${unread[config].wrong} wrong of ${unread[config].conversations} conversations`,
    );
  }

  const relay = {
    rate: opts.relayRate,
    ours: [] as number[],
    bare: [] as number[],
    bareControl: [] as number[],
  };
  for (let r = 1; r <= opts.repeats; r++) {
    const order: Array<[keyof typeof relay, Side]> = [
      ['ours', opts.shipped],
      ['bare', opts.baseline],
      ['bareControl', opts.baseline],
    ];
    for (const [name, s] of r % 2 === 1 ? order : order.reverse()) {
      opts.log(`relay: ${name} at ${opts.relayRate}/s, repeat ${r}`);
      const f = await opts.run('relay', s, opts.relayRate, opts.durationMs, r);
      (relay[name] as number[]).push(f.latency.p99);
    }
  }
  return { points, unread, relay, targets: judgeSweep(points, unread, relay) };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');

function ratioLine(name: string, ours: number, base: number, max: number, unit: string): TargetLine {
  const r = ours / base;
  return {
    name,
    verdict: Number.isFinite(r) ? (r <= max ? 'PASS' : 'MISS') : 'n/a',
    detail: `${fmt(ours)} / ${fmt(base)} ${unit} = ${fmt(r)}x (target <= ${max}x)`,
  };
}

/** The target lines of docs/benchmarks.md "Message targets". */
export function judgeSweep(
  points: SweepPoint[],
  unread: MessageSweepResult['unread'],
  relay: MessageSweepResult['relay'],
): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const p of points.filter((x) => x.config === 'shipped')) {
    lines.push(ratioLine(`shipped ${p.rate}/s: p50 <= 1.5x naive`, p.p50, p.baseline.p50, 1.5, 'ms'));
    lines.push(ratioLine(`shipped ${p.rate}/s: p99 <= 2x naive`, p.p99, p.baseline.p99, 2, 'ms'));
    lines.push(
      ratioLine(
        `shipped ${p.rate}/s: server CPU per message <= 1.3x naive`,
        p.cpuPer1000,
        p.baseline.cpuPer1000,
        1.3,
        'ms/1000',
      ),
    );
  }
  for (const p of points.filter((x) => x.config === 'defaults' && x.rate <= 400))
    lines.push(ratioLine(`defaults ${p.rate}/s: p99 <= 3x naive`, p.p99, p.baseline.p99, 3, 'ms'));
  for (const config of ['shipped', 'defaults'] as const) {
    const ps = points.filter((x) => x.config === config);
    if (ps.length === 0) continue;
    const lost = ps.reduce((n, p) => n + p.lost, 0);
    const disorder = ps.reduce((n, p) => n + p.outOfOrder, 0);
    lines.push({
      name: `${config}: 0 lost`,
      verdict: lost === 0 ? 'PASS' : 'MISS',
      detail: `${lost} acked, never received`,
    });
    lines.push({
      name: `${config}: 0 out of order`,
      verdict: disorder === 0 ? 'PASS' : 'MISS',
      detail: `${disorder} message:new before an earlier send of the same sender`,
    });
    const u = unread[config];
    if (u)
      lines.push({
        name: `${config}: unread counts exact`,
        verdict: u.wrong === 0 ? 'PASS' : 'MISS',
        detail: `${u.wrong} wrong of ${u.conversations} conversations`,
      });
  }
  if (relay.ours.length > 0) {
    lines.push(
      ratioLine(
        `relay ${relay.rate}/s: p99 <= 1.5x bare (median of ${relay.ours.length})`,
        median(relay.ours),
        median(relay.bare),
        1.5,
        'ms',
      ),
    );
    const control = ratioLine(
      'relay control: bare against bare',
      median(relay.bareControl),
      median(relay.bare),
      1.5,
      'ms',
    );
    lines.push({ ...control, name: 'relay control: bare against bare (machine noise)', verdict: 'n/a' });
  }
  return lines;
}

/** The sweep as table rows (config, rate, ours / naive p50, p99, server and store CPU, lost, out of order, stages). */
export function sweepTable(points: SweepPoint[]): string[] {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const rows = [
    'message sweep: medians of ours / naive; stages are our mean ms per send (queue, insert, conversation, message_new, ack)',
    `${'config'.padEnd(9)}${'rate'.padStart(6)}  ${'p50 ms'.padEnd(18)}${'p99 ms'.padEnd(20)}${'CPU ms/1000'.padEnd(20)}${'store CPU ms/1000'.padEnd(20)}lost  disorder  stages`,
  ];
  for (const p of points) {
    const pair = (o: number, b: number) => `${f(o)}/${f(b)} ${f(o / b, 2)}x`;
    const st = ['queue', 'insert', 'conversation', 'message_new', 'ack']
      .map((s) => f(p.stages[s] ?? Number.NaN))
      .join(' ');
    rows.push(
      `${p.config.padEnd(9)}${String(p.rate).padStart(6)}  ${pair(p.p50, p.baseline.p50).padEnd(18)}${pair(p.p99, p.baseline.p99).padEnd(20)}${pair(p.cpuPer1000, p.baseline.cpuPer1000).padEnd(20)}${pair(p.storeCpuPer1000, p.baseline.storeCpuPer1000).padEnd(20)}${String(p.lost).padEnd(6)}${String(p.outOfOrder).padEnd(10)}${st}`,
    );
  }
  return rows;
}
