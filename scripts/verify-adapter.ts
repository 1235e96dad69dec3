import { parseArgs } from 'node:util';
import type { ShadowDelivery } from '../backend/health/health-service';
import { VERIFY_OPTIONS, verifyStart } from './verify/verify-start';

const USAGE = `usage: npm run verify:adapter -- [options] [instance-url ...]

Asks every live instance for the shadow delivery of the latest socket.adapter move (what
arrived over both transports, the old only, the new only, and the latency difference) and
prints it per instance and for the cluster. Instances come from the heartbeats in Redis
(REDIS_URL, or REDIS_CLUSTER_NODES on a Redis Cluster, and REDIS_KEY_PREFIX) unless URLs are given.

  --redis-url URL   Redis with the heartbeats (default $REDIS_URL)
  --prefix P        key prefix (default $REDIS_KEY_PREFIX or social:)
  --token T         admin token (default $ADMIN_TOKEN)
  --strict          exit 1 when any packet arrived over one transport only
  --json            print the report as JSON
`;

export interface AdapterRow extends Omit<ShadowDelivery, 'from' | 'to' | 'since'> {
  scope: string;
  adapter: string;
  move: string;
}

export interface AdapterReport {
  instances: AdapterRow[];
  cluster: AdapterRow;
  unreachable: number;
}

/** Exit code 0 when every instance answered (and, with --strict, nothing arrived one way only), else 1; 2 on bad usage. */
export async function main(
  args: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const start = await verifyStart(args, USAGE, parse, out);
  if (typeof start === 'number') return start;
  const { values, token, urls } = start;
  const report = await clusterDelivery(urls, token);
  if (values.json) out(JSON.stringify(report, null, 2));
  else {
    out(deliveryTable(report));
    const c = report.cluster;
    out(
      c.both + c.oldOnly + c.newOnly === 0
        ? 'no shadow delivery yet: has socket.adapter moved since these instances started?'
        : `adapter shadow delivery across ${report.instances.length} instance(s): ${c.both} over both, ${c.oldOnly} over the old only, ${c.newOnly} over the new only`,
    );
  }
  if (report.unreachable > 0) return 1;
  if (values.strict && (report.cluster.oldOnly > 0 || report.cluster.newOnly > 0)) return 1;
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { ...VERIFY_OPTIONS, strict: { type: 'boolean' } },
  });
}

const blank = { both: 0, oldOnly: 0, newOnly: 0, latencyDeltaMs: null };

/** Each instance's admin /health socket check, and their sum (the latency delta weighted by `both`). */
export async function clusterDelivery(urls: string[], token: string): Promise<AdapterReport> {
  const rows = await Promise.all(
    urls.map(async (url): Promise<AdapterRow | undefined> => {
      try {
        const res = await fetch(`${url}/health`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5000),
        });
        const body = (await res.json()) as {
          instance: string;
          checks: {
            socket: {
              adapter: string;
              migration: { from: string; to: string; stage: string } | null;
              shadow?: ShadowDelivery;
            };
          };
        };
        const socket = body.checks.socket;
        const d = socket.shadow;
        const m = socket.migration;
        return {
          scope: body.instance,
          adapter: socket.adapter,
          move: m ? `${m.from}→${m.to} ${m.stage}` : d?.from ? `${d.from}→${d.to} done` : '—',
          ...(d
            ? { both: d.both, oldOnly: d.oldOnly, newOnly: d.newOnly, latencyDeltaMs: d.latencyDeltaMs }
            : blank),
        };
      } catch {
        return undefined;
      }
    }),
  );
  const instances = rows.filter((r): r is AdapterRow => r !== undefined);
  const both = instances.reduce((n, r) => n + r.both, 0);
  const weighted = instances.reduce((n, r) => n + (r.latencyDeltaMs ?? 0) * r.both, 0);
  return {
    instances,
    cluster: {
      scope: 'cluster',
      adapter: [...new Set(instances.map((r) => r.adapter))].join(','),
      move: '',
      both,
      oldOnly: instances.reduce((n, r) => n + r.oldOnly, 0),
      newOnly: instances.reduce((n, r) => n + r.newOnly, 0),
      latencyDeltaMs: both > 0 ? weighted / both : null,
    },
    unreachable: rows.length - instances.length,
  };
}

export function deliveryTable(report: AdapterReport): string {
  const head = ['scope', 'adapter', 'move', 'both', 'old only', 'new only', 'latency Δ ms'];
  const lines = [...report.instances, report.cluster].map((r) => [
    r.scope,
    r.adapter,
    r.move,
    String(r.both),
    String(r.oldOnly),
    String(r.newOnly),
    r.latencyDeltaMs === null ? '—' : r.latencyDeltaMs.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const out = [fmt(head), ...lines.map(fmt)];
  if (report.unreachable > 0) out.push(`${report.unreachable} instance(s) did not answer`);
  return out.join('\n');
}
