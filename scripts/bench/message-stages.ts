import type { ServerProcess } from '../servers/server-process';

/** One stage's cumulative histogram (seconds) summed over a side's servers. */
interface StageHistogram {
  /** upper bound (s) → count at or under it, ascending; +Inf last */
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}
export type StageCounters = Record<string, StageHistogram>;

/** A stage over one run: sends it covered, mean, and p50/p99 as bucket upper bounds (ms). */
export interface StageFigures {
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** message_stage_seconds from our servers' /metrics, summed over them (the baseline has none). */
export async function readMessageStages(
  servers: ServerProcess[],
  adminToken: string,
): Promise<StageCounters> {
  const out: StageCounters = {};
  for (const s of servers) {
    let text: string;
    try {
      const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
      if (res.status !== 200) continue;
      text = await res.text();
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^message_stage_seconds_(bucket|sum|count)\{([^}]*)\} (\S+)/gm)) {
      const labels = m[2]!;
      const stage = /stage="([^"]+)"/.exec(labels)?.[1];
      if (!stage) continue;
      const h = out[stage] ?? { buckets: [], sum: 0, count: 0 };
      out[stage] = h;
      const v = Number(m[3]);
      if (m[1] === 'sum') h.sum += v;
      else if (m[1] === 'count') h.count += v;
      else {
        const leText = /le="([^"]+)"/.exec(labels)?.[1] ?? '+Inf';
        const le = leText === '+Inf' ? Number.POSITIVE_INFINITY : Number(leText);
        const b = h.buckets.find(([x]) => x === le);
        if (b) b[1] += v;
        else h.buckets.push([le, v]);
      }
    }
  }
  for (const h of Object.values(out)) h.buckets.sort((a, b) => a[0] - b[0]);
  return out;
}

/** What each stage took between two readings. */
export function stageDelta(before: StageCounters, after: StageCounters): Record<string, StageFigures> {
  const out: Record<string, StageFigures> = {};
  for (const [stage, a] of Object.entries(after)) {
    const b = before[stage];
    const count = a.count - (b?.count ?? 0);
    if (count <= 0) continue;
    const cum = a.buckets.map(([le, n]) => [le, n - (b?.buckets.find(([x]) => x === le)?.[1] ?? 0)] as const);
    const at = (q: number) => (cum.find(([, n]) => n >= q * count)?.[0] ?? Number.NaN) * 1000;
    out[stage] = { count, meanMs: ((a.sum - (b?.sum ?? 0)) * 1000) / count, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
  return out;
}

const ORDER = ['queue', 'insert', 'journal', 'conversation', 'message_new', 'ack'];

/** One line: each stage's mean, and p99 as a bucket bound. */
export function formatStages(stages: Record<string, StageFigures>): string {
  const f = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n.toFixed(0)) : 'inf');
  return ORDER.filter((s) => stages[s])
    .map((s) => `${s} ${f(stages[s]!.meanMs)} (p99 <= ${f(stages[s]!.p99Ms)})`)
    .join(', ');
}
