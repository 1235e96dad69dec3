export interface InstanceTally {
  url: string;
  instance?: string;
  compared?: number;
  mismatches?: number;
  errors?: number;
  since?: string;
  /** why this instance gave no tally */
  failure?: string;
}

export interface ClusterConsistency {
  instances: InstanceTally[];
  compared: number;
  mismatches: number;
  /** (compared − mismatches) / compared × 100; null before any comparison */
  percent: number | null;
  unreachable: number;
}

/**
 * Asks each instance for its shadow-read tally (GET /admin/presence/consistency, or the path
 * given: the feed's is /admin/feed/consistency) and sums them.
 */
export async function clusterConsistency(
  urls: string[],
  adminToken: string,
  timeoutMs = 3000,
  path = '/admin/presence/consistency',
): Promise<ClusterConsistency> {
  const instances = await Promise.all(
    urls.map(async (url): Promise<InstanceTally> => {
      try {
        const res = await fetch(new URL(path, url), {
          headers: { authorization: `Bearer ${adminToken}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.status !== 200) return { url, failure: `HTTP ${res.status}` };
        return { url, ...((await res.json()) as Omit<InstanceTally, 'url'>) };
      } catch (err) {
        return { url, failure: (err as Error).message };
      }
    }),
  );
  const ok = instances.filter((i) => !i.failure);
  const compared = ok.reduce((n, i) => n + (i.compared ?? 0), 0);
  const mismatches = ok.reduce((n, i) => n + (i.mismatches ?? 0), 0);
  return {
    instances,
    compared,
    mismatches,
    percent: compared === 0 ? null : ((compared - mismatches) / compared) * 100,
    unreachable: instances.length - ok.length,
  };
}

export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined) return 'n/a';
  return p === 100 ? '100 %' : `${p.toFixed(3)} %`;
}

/** A plain table: the report a person reads during a rollout. */
export function consistencyTable(report: ClusterConsistency): string {
  const rows = [['instance', 'url', 'compared', 'mismatches', 'errors', 'consistency', 'since']];
  for (const i of report.instances) {
    if (i.failure) {
      rows.push([i.instance ?? '?', i.url, '-', '-', '-', `unreachable: ${i.failure}`, '-']);
      continue;
    }
    const pct = i.compared ? ((i.compared - (i.mismatches ?? 0)) / i.compared) * 100 : null;
    rows.push([
      i.instance ?? '?',
      i.url,
      String(i.compared ?? 0),
      String(i.mismatches ?? 0),
      String(i.errors ?? 0),
      formatPercent(pct),
      i.since ?? '-',
    ]);
  }
  rows.push([
    'cluster',
    `${report.instances.length - report.unreachable}/${report.instances.length} answered`,
    String(report.compared),
    String(report.mismatches),
    '',
    formatPercent(report.percent),
    '',
  ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
