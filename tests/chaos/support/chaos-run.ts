import type { Socket } from 'socket.io-client';
import { type OpenLoopResult, runOpenLoop } from '../../../scripts/load/open-loop';
import type { VirtualUser } from '../../../scripts/load/virtual-users';
import { messageSendWorkload } from '../../../scripts/load/workloads';
import { waitFor } from '../../support/wait-for';
import type { ChaosCluster } from './chaos-cluster';
import { auditDelivery, type DeliveryAudit } from './delivery-audit';
import { auditFeed, type FeedAudit } from './feed-audit';
import { type InstanceSample, watchInstances } from './instance-watch';
import { pollRoutes } from './route-poller';

/** A fault injected during the load, `atMs` after it starts; it calls mark() as things happen. */
export interface Fault {
  label: string;
  atMs: number;
  run(mark: (what: string) => void): Promise<void>;
}

export interface FaultMark {
  fault: string;
  what: string;
  /** ms since the run started */
  t: number;
  /** epoch ms */
  at: number;
}

export interface TimelineRow {
  second: number;
  sent: number;
  acked: number;
  delivered: number;
}

export interface ChaosRun {
  label: string;
  mode: string;
  ratePerSecond: number;
  durationMs: number;
  /** epoch ms of the first send */
  startedAt: number;
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  ackTimeouts: number;
  audit: DeliveryAudit;
  routes: { requests: number; serverErrors: string[]; connectionErrors: number };
  /** the feed's audit, when the run had feed readers */
  feed?: FeedAudit;
  marks: FaultMark[];
  timeline: TimelineRow[];
  /** ms since the start of each live delivery, in order */
  deliveryTimes: number[];
  samples: InstanceSample[];
  latencyMs: { p50: number; p99: number; max: number };
  generatorCores: number;
}

/**
 * The open-loop load (scripts/load) over the cluster's pairs at `ratePerSecond` for
 * `durationMs`, with the faults fired on their schedule, /metrics scraped and Mongo-only routes
 * polled throughout; then every acked send is audited (Mongo, live, `sync`), and with
 * `feedReaders` (followers of the poller) the feed (feed-audit.ts).
 */
export async function runChaosLoad(
  cc: ChaosCluster,
  opts: {
    label: string;
    ratePerSecond: number;
    durationMs: number;
    graceMs?: number;
    faults: Fault[];
    /** a user that polls the Mongo-only routes */
    poller: VirtualUser;
    /** followers of the poller whose feeds are read during the run and audited after it */
    feedReaders?: VirtualUser[];
    log: (line: string) => void;
  },
): Promise<ChaosRun> {
  const startedAt = Date.now();
  const since = new Date(startedAt - 1000);
  const sinceStart = () => Date.now() - startedAt;
  const runTag = `c${Math.random().toString(36).slice(2, 7)}_`;
  const buckets: TimelineRow[] = [];
  const bucket = () => {
    const second = Math.floor(sinceStart() / 1000);
    while (buckets.length <= second)
      buckets.push({ second: buckets.length, sent: 0, acked: 0, delivered: 0 });
    return buckets[second]!;
  };
  const acked = new Set<string>();
  const delivered = new Set<string>();
  const deliveryTimes: number[] = [];
  const marks: FaultMark[] = [];
  const watch = watchInstances(() => cc.cluster.instances, { startedAt });
  const routes = pollRoutes(cc.urls, opts.poller, { readers: opts.feedReaders });

  const faultsDone = Promise.all(
    opts.faults.map(async (f) => {
      await new Promise((r) => setTimeout(r, f.atMs));
      const mark = (what: string) => {
        const at = Date.now();
        marks.push({ fault: f.label, what, t: at - startedAt, at });
        opts.log(`${opts.label}: ${f.label}: ${what} at ${((at - startedAt) / 1000).toFixed(1)} s`);
      };
      await f.run(mark);
    }),
  );
  let load: OpenLoopResult;
  try {
    load = await runOpenLoop({
      label: opts.label,
      pairs: cc.pairs,
      workload: messageSendWorkload,
      ratePerSecond: opts.ratePerSecond,
      durationMs: opts.durationMs,
      graceMs: opts.graceMs ?? 15_000,
      ackTimeoutMs: 10_000,
      runTag,
      progress: opts.log,
      onOutcome: (kind, key) => {
        bucket()[kind]++;
        if (kind === 'acked') acked.add(key);
        if (kind === 'delivered') {
          delivered.add(key);
          deliveryTimes.push(sinceStart());
        }
      },
    });
  } finally {
    await faultsDone;
    await routes.stop();
    await watch.stop();
  }

  // every socket back (a reconnecting client syncs after it is), then what was missed
  const pairOf = (key: string) => cc.pairs[Number(key.slice(runTag.length)) % cc.pairs.length]!;
  await waitConnected(cc.sockets, 30_000);
  const audit = await auditDelivery({
    mongoUrl: cc.cluster.mongoUrl,
    acked,
    delivered,
    recipientOf: (key) => pairOf(key).receiver,
    since,
  });
  const feed = opts.feedReaders
    ? await auditFeed({
        mongoUrl: cc.cluster.mongoUrl,
        urls: cc.urls,
        author: opts.poller,
        readers: opts.feedReaders,
        acked: routes.posted,
        since,
      })
    : undefined;
  const run: ChaosRun = {
    label: opts.label,
    mode: cc.mode,
    ratePerSecond: opts.ratePerSecond,
    durationMs: opts.durationMs,
    startedAt,
    sent: load.sent,
    acked: load.acked,
    ackErrors: load.ackErrors,
    ackTimeouts: load.ackTimeouts,
    audit,
    routes: {
      requests: routes.requests,
      serverErrors: routes.serverErrors,
      connectionErrors: routes.connectionErrors,
    },
    feed,
    marks,
    timeline: buckets,
    deliveryTimes,
    samples: watch.samples,
    latencyMs: { p50: load.latency.p50, p99: load.latency.p99, max: load.latency.max },
    generatorCores: load.generator.cpuCores,
  };
  return run;
}

/** ms from a fault's mark (e.g. Redis answering again) to the first live delivery after it. */
export function firstDeliveryAfter(run: ChaosRun, fault: string, what: string): number | null {
  const m = run.marks.find((x) => x.fault === fault && x.what === what);
  const t = m && run.deliveryTimes.find((d) => d >= m.t);
  return m && t !== undefined ? t - m.t : null;
}

/** Resolves once every socket is connected (reconnecting clients come back on their own). */
export function waitConnected(sockets: Socket[], timeoutMs: number): Promise<number> {
  return waitFor(
    'every load socket connected',
    () => sockets.filter((s) => !s.connected).length,
    (down) => down === 0,
    timeoutMs,
    100,
  );
}
