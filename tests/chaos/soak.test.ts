import type { Socket } from 'socket.io-client';
import { connectSocket, registerUsers, type VirtualUser } from '../../scripts/load/virtual-users';
import { type ChaosCluster, startChaosCluster } from './support/chaos-cluster';
import { writeChaosReport } from './support/chaos-report';
import { type ChaosRun, runChaosLoad } from './support/chaos-run';
import { CHAOS_RATE, CHAOS_USERS, log, SOAK_MS } from './support/chaos-settings';
import type { InstanceSample } from './support/instance-watch';

const MiB = 1024 * 1024;
const CHURN_USERS = 40;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};

/** A figure summed over instances: per instance the median of its samples in [from, to). */
function summed(
  samples: InstanceSample[],
  from: number,
  to: number,
  pick: (s: InstanceSample) => number,
): number {
  const by = new Map<string, number[]>();
  for (const s of samples)
    if (s.t >= from && s.t < to) by.set(s.instance, [...(by.get(s.instance) ?? []), pick(s)]);
  return [...by.values()].reduce((n, xs) => n + median(xs), 0);
}

let cc: ChaosCluster;
let poller: VirtualUser;
let churners: VirtualUser[];

beforeAll(async () => {
  cc = await startChaosCluster({ mode: 'redis-streams', userCount: CHAOS_USERS, log });
  poller = (await registerUsers(cc.cluster.instances[0]!.url, 1, { tag: `sp${Date.now() % 1000}` }))[0]!;
  churners = await registerUsers(cc.cluster.instances[0]!.url, CHURN_USERS, {
    tag: `sc${Date.now() % 1000}`,
  });
}, 180_000);
afterAll(async () => {
  await cc?.stop();
});

describe(`When ${CHAOS_RATE} messages/s run for ${SOAK_MS / 1000} s with connections coming and going [redis-streams]`, () => {
  let run: ChaosRun;
  let churned = 0;

  beforeAll(async () => {
    // churn: each churner connects to an instance, stays a moment, leaves, and comes back elsewhere
    let churning = true;
    const churn = Promise.all(
      churners.map(async (u, i) => {
        let n = i;
        while (churning) {
          const urls = cc.urls();
          const s: Socket | undefined = await connectSocket(urls[n++ % urls.length]!, u.token).catch(
            () => undefined,
          );
          await new Promise((r) => setTimeout(r, 500 + (i % 10) * 100));
          s?.disconnect();
          churned++;
        }
      }),
    );
    try {
      run = await runChaosLoad(cc, {
        label: 'T4 soak',
        ratePerSecond: CHAOS_RATE,
        durationMs: SOAK_MS,
        poller,
        log,
        faults: [],
      });
    } finally {
      churning = false;
      await churn;
    }
  }, SOAK_MS + 300_000);

  it('then memory per connection and the adapter’s and presence maps stay flat after warm-up', async () => {
    const warm = Math.min(20_000, SOAK_MS / 3);
    const tail = Math.min(10_000, SOAK_MS / 6);
    const end = run.durationMs;
    const at = (from: number, to: number) => ({
      heapUsedMiB: summed(run.samples, from, to, (s) => s.heapUsed) / MiB,
      rssMiB: summed(run.samples, from, to, (s) => s.rss) / MiB,
      connections: summed(run.samples, from, to, (s) => s.connections),
      adapterRooms: summed(run.samples, from, to, (s) => s.adapterRooms),
      adapterSids: summed(run.samples, from, to, (s) => s.adapterSids),
      presenceUsers: summed(run.samples, from, to, (s) => s.presenceLocalUsers),
    });
    const afterWarmUp = at(warm, warm + tail);
    const atEnd = at(end - tail, end);
    const perConnection = (x: ReturnType<typeof at>) => ({
      heapKiB: (x.heapUsedMiB * 1024) / x.connections,
      rssKiB: (x.rssMiB * 1024) / x.connections,
    });
    await writeChaosReport('t4-soak', run, {
      churnedConnections: churned,
      afterWarmUp,
      atEnd,
      perConnectionAfterWarmUp: perConnection(afterWarmUp),
      perConnectionAtEnd: perConnection(atEnd),
    });

    expect(churned).toBeGreaterThan(CHURN_USERS);
    expect(run.audit.lostKeys).toEqual([]);
    expect(run.routes.serverErrors).toEqual([]);
    // the maps follow the connections: load sockets plus at most every churner, never growing with churn
    const ceiling = cc.sockets.length + CHURN_USERS + 3;
    expect(atEnd.adapterSids).toBeLessThanOrEqual(ceiling);
    expect(atEnd.presenceUsers).toBeLessThanOrEqual(CHAOS_USERS + CHURN_USERS + 3);
    // rooms: one per socket id and one per user, so the same bound twice over
    expect(atEnd.adapterRooms).toBeLessThanOrEqual(2 * ceiling);
    // generous: GC timing moves the heap by tens of MiB; a per-connection leak under churn outgrows it
    expect(atEnd.heapUsedMiB).toBeLessThan(afterWarmUp.heapUsedMiB * 1.5 + 48);
    expect(atEnd.rssMiB).toBeLessThan(afterWarmUp.rssMiB * 1.5 + 96);
  });
});
