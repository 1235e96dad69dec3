import { parseArgs } from 'node:util';
import { clusterConsistency, consistencyTable, formatPercent } from './presence/cluster-consistency';
import { consistencyExit, VERIFY_OPTIONS, verifyStart } from './verify/verify-start';

const USAGE = `usage: npm run verify:feed -- [options] [instance-url ...]

Asks every live instance for its feed shadow-comparison tally (feed.mode dual: the read-time
query's first page against the reader's timeline) and prints the consistency per instance and
across the cluster, with the fan-out backlog. Instances come from the heartbeats in Redis
(REDIS_URL, or REDIS_CLUSTER_NODES, and REDIS_KEY_PREFIX) unless URLs are given.

  --redis-url URL   Redis with the heartbeats (default $REDIS_URL)
  --prefix P        key prefix (default $REDIS_KEY_PREFIX or social:)
  --token T         admin token (default $ADMIN_TOKEN)
  --min PERCENT     exit 1 when the cluster is below this (default: report only)
  --json            print the report as JSON
`;

/** Exit code 0 when every instance answered (and the cluster is at or above --min), else 1; 2 on bad usage. */
export async function main(
  args: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  const start = await verifyStart(args, USAGE, parse, out);
  if (typeof start === 'number') return start;
  const { values, token, urls } = start;

  const report = await clusterConsistency(urls, token, 3000, '/admin/feed/consistency');
  const backlog = report.instances.find((i) => typeof (i as { backlog?: unknown }).backlog === 'number') as
    | { backlog: number }
    | undefined;
  if (values.json) out(JSON.stringify({ ...report, backlog: backlog?.backlog ?? null }, null, 2));
  else {
    out(consistencyTable(report));
    out(
      report.percent === null
        ? 'no shadow comparisons yet: is feed.mode dual, with readers outside feed.timelineReadPercent?'
        : `feed shadow consistency across ${urls.length} instance(s): ${formatPercent(report.percent)} (${report.mismatches} mismatches in ${report.compared} comparisons)`,
    );
    out(`fan-out backlog: ${backlog ? `${backlog.backlog} job(s)` : 'unknown (Redis unreachable)'}`);
  }
  return consistencyExit(report, values.min);
}

function parse(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: { ...VERIFY_OPTIONS, min: { type: 'string' } } });
}
