import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { connectSocket, registerUsers, type VirtualUser } from '../../../scripts/load/virtual-users';
import { requestJson } from '../../support/http-json';
import { TEST_ADMIN_TOKEN } from '../../support/test-env';
import { waitFor } from '../../support/wait-for';
import { breakerTimes } from './breaker-log';
import { type AdapterMode, type ChaosCluster, follow, startChaosCluster } from './chaos-cluster';
import { writeChaosReport } from './chaos-report';
import { type ChaosRun, type FaultMark, firstDeliveryAfter, runChaosLoad, waitConnected } from './chaos-run';
import { CHAOS_RATE, CHAOS_USERS, hold, log } from './chaos-settings';
import type { InstanceSample } from './instance-watch';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};
const MiB = 1024 * 1024;

/** Median heap used per instance over [from, to) ms of a run, summed over instances. */
function heapBetween(samples: InstanceSample[], from: number, to: number): number {
  const by = new Map<string, number[]>();
  for (const s of samples)
    if (s.t >= from && s.t < to) by.set(s.instance, [...(by.get(s.instance) ?? []), s.heapUsed]);
  return [...by.values()].reduce((n, xs) => n + median(xs), 0);
}

const markAt = (marks: FaultMark[], fault: string, what: string) =>
  marks.find((m) => m.fault === fault && m.what === what)?.at;

async function presenceOnline(socket: Socket, userId: string): Promise<boolean> {
  const r = (await socket.timeout(5000).emitWithAck('presence:query', { userIds: [userId] })) as {
    online: Record<string, boolean>;
  };
  return r.online[userId] === true;
}

async function socketChecks(
  cc: ChaosCluster,
): Promise<Array<{ adapter: string; migration: { stage: string } | null }>> {
  return Promise.all(
    cc.cluster.instances.map(
      async (p) => (await requestJson(`${p.url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket,
    ),
  );
}

/** The feed audit's invariant (feed-audit.ts): every reader's first page on every live instance. */
function expectFeedHeld(run: ChaosRun, cc: ChaosCluster): void {
  const feed = run.feed!;
  expect(feed.acked).toBeGreaterThan(0);
  expect(feed.errors).toEqual([]);
  expect(feed.neverFromTimeline).toEqual([]);
  expect(feed.compared).toBe(3 * cc.urls().length);
  expect(feed.mismatches).toEqual([]);
  expect(feed.missing).toEqual([]);
}

/**
 * T1 (Redis SIGKILL + restart, SIGSTOP 5 s + SIGCONT, restart with an empty dataset, back to
 * back under load) and T2 (SIGKILL one of three instances under load) for one adapter mode, on
 * one cluster of three real instances. With `movingTo`, T1 runs while the adapter moves from
 * `mode` to that one, held in its dual stage (every broadcast on both transports).
 */
export function describeFaults(mode: AdapterMode, opts: { movingTo?: AdapterMode } = {}): void {
  let cc: ChaosCluster;
  let poller: VirtualUser;
  /** followers of the poller: the feed invariant is checked on their feeds */
  let feedReaders: VirtualUser[];
  const rate = CHAOS_RATE;
  const label = opts.movingTo ? `${mode} → ${opts.movingTo}, dual stage` : mode;
  const reportTag = opts.movingTo ? `${mode}-to-${opts.movingTo}` : mode;

  beforeAll(async () => {
    cc = await startChaosCluster({
      mode,
      userCount: CHAOS_USERS,
      log,
      // the cutover waits for the operator: the faults land in the dual stage
      env: opts.movingTo ? { ADAPTER_DUAL_MIN_MS: '3600000' } : undefined,
    });
    if (opts.movingTo) {
      const res = await requestJson(`${cc.cluster.instances[0]!.url}/admin/flags`, {
        token: TEST_ADMIN_TOKEN,
        body: { flag: 'socket.adapter', value: opts.movingTo },
      });
      expect(res.status).toBe(200);
      await waitFor(
        'every instance in the dual stage',
        async () => (await socketChecks(cc)).every((c) => c.migration?.stage === 'dual') || undefined,
        30_000,
      );
    }
    poller = (
      await registerUsers(cc.cluster.instances[0]!.url, 1, { tag: `p${mode.length}${Date.now() % 1000}` })
    )[0]!;
    feedReaders = await registerUsers(cc.cluster.instances[0]!.url, 3, {
      tag: `f${mode.length}${Date.now() % 1000}`,
    });
    for (const r of feedReaders) await follow(cc.cluster.instances[0]!.url, r, poller);
    // presence is told to followers: the first pair's receiver follows its sender
    await follow(cc.cluster.instances[0]!.url, cc.users[1]!, cc.users[0]!);
  }, 180_000);
  afterAll(async () => {
    await cc?.stop();
  });

  describe(`When Redis is SIGKILLed and restarted, paused 5 s, and restarted empty under ${rate} messages/s [${label}]`, () => {
    let run: ChaosRun;
    const faults = ['redis SIGKILL + restart', 'redis SIGSTOP 5 s', 'redis restart empty'];

    beforeAll(async () => {
      run = await runChaosLoad(cc, {
        label: 'T1 redis faults',
        ratePerSecond: rate,
        durationMs: 45_000,
        poller,
        feedReaders,
        log,
        faults: [
          {
            label: faults[0]!,
            atMs: 6_000,
            run: async (mark) => {
              mark('down');
              await cc.redis.kill();
              await hold(2_000);
              await cc.redis.restart();
              mark('up');
            },
          },
          {
            label: faults[1]!,
            atMs: 18_000,
            run: async (mark) => {
              mark('down');
              cc.redis.pause();
              await hold(5_000);
              cc.redis.resume();
              mark('up');
            },
          },
          {
            label: faults[2]!,
            atMs: 31_000,
            run: async (mark) => {
              mark('down');
              await cc.redis.kill();
              await hold(1_000);
              await cc.redis.restartEmpty();
              mark('up');
            },
          },
        ],
      });
    }, 240_000);

    it('then every acknowledged message is in Mongo and reached its recipient live or through sync', async () => {
      const breakers = faults.map((f, i) => ({
        fault: f,
        times: breakerTimes(cc.cluster.instances, {
          down: markAt(run.marks, f, 'down')!,
          up: markAt(run.marks, f, 'up')!,
          end: markAt(run.marks, faults[i + 1] ?? '', 'down') ?? Number.MAX_SAFE_INTEGER,
        }),
      }));
      const heapBefore = heapBetween(run.samples, 1_000, 6_000);
      const heapAfter = heapBetween(run.samples, run.durationMs - 6_000, run.durationMs);
      await writeChaosReport(`t1-redis-faults-${reportTag}`, run, {
        breakers: breakers.map((b) => ({
          fault: b.fault,
          openAfterMs: b.times.map((t) => t.openAfterMs),
          closeAfterMs: b.times.map((t) => t.closeAfterMs),
        })),
        firstLiveDeliveryAfterRedisBackMs: Object.fromEntries(
          faults.map((f) => [f, firstDeliveryAfter(run, f, 'up')]),
        ),
        heapUsedMiB: { beforeFaults: heapBefore / MiB, afterRecovery: heapAfter / MiB },
      });
      (run as ChaosRun & { breakers?: unknown }).breakers = breakers;

      expect(run.acked).toBeGreaterThan(0);
      expect(run.audit.unstored).toEqual([]);
      expect(run.audit.lostKeys).toEqual([]);
      expect(run.audit.deliveredLive + run.audit.recoveredBySync).toBe(run.audit.acked);
    });

    it('then no route that needs only Mongo answered ≥ 500', () => {
      expect(run.routes.requests).toBeGreaterThan(100);
      expect(run.routes.serverErrors).toEqual([]);
    });

    it("then every acknowledged post is on its author's followers' first feed page, served from their timelines as the query would", () => {
      expectFeedHeld(run, cc);
    });

    it('then each instance’s breaker opened during each fault and closed after Redis answered again', () => {
      for (const [i, f] of faults.entries()) {
        const times = breakerTimes(cc.cluster.instances, {
          down: markAt(run.marks, f, 'down')!,
          up: markAt(run.marks, f, 'up')!,
          end: markAt(run.marks, faults[i + 1] ?? '', 'down') ?? Number.MAX_SAFE_INTEGER,
        });
        for (const t of times) {
          expect({ fault: f, instance: t.instance, opened: t.openAfterMs !== null }).toEqual({
            fault: f,
            instance: t.instance,
            opened: true,
          });
          expect({ fault: f, instance: t.instance, closed: t.closeAfterMs !== null }).toEqual({
            fault: f,
            instance: t.instance,
            closed: true,
          });
        }
      }
    });

    it('then presence, flags and rate limits work on Redis again without a restart', async () => {
      const [a, b] = [cc.pairs[0]!.receiver, cc.users[0]!];
      await waitFor(
        'presence:query true for an online followed user',
        () => presenceOnline(a, b.id),
        15_000,
        200,
      );

      const set = await requestJson(`${cc.cluster.instances[0]!.url}/admin/flags`, {
        token: TEST_ADMIN_TOKEN,
        body: { flag: 'cache.ttlSeconds', value: 777 },
      });
      expect(set.status).toBe(200);
      // the poll is 2 minutes: only Redis's change notice brings it this soon
      for (const p of cc.cluster.instances)
        await waitFor(
          `${p.instanceId} applies the flag change`,
          async () =>
            (await requestJson(`${p.url}/health/features`, { token: TEST_ADMIN_TOKEN })).body.flags[
              'cache.ttlSeconds'
            ],
          (v) => v === 777,
          15_000,
        ).catch((err: Error) => {
          // which side dropped the notice: the writer's publish, or a peer's subscriber
          const lines = cc.cluster.instances.flatMap((q) =>
            q
              .output()
              .split('\n')
              .filter((l) => /flag|breaker|subscri/i.test(l))
              .slice(-15)
              .map((l) => `${q.instanceId}: ${l.slice(0, 300)}`),
          );
          throw new Error(`${err.message}\nflag and Redis lines of each instance:\n${lines.join('\n')}`);
        });

      // the empty restart wiped every key: counting again in Redis means the store is Redis
      const redis = new Redis(cc.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const prefix = cc.cluster.env.REDIS_KEY_PREFIX!;
        await requestJson(`${cc.cluster.instances[1]!.url}/api/users/${b.id}`, { token: b.token });
        const keys = await waitFor(
          'rate-limit counters in Redis',
          () => redis.keys(`${prefix}rl:*`),
          (k) => k.length > 0,
          10_000,
        );
        expect(keys.length).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    });

    it('then no instance logged an unhandled rejection and the heap is back near its level before the faults', () => {
      for (const p of cc.cluster.instances) {
        expect(p.output()).not.toContain('unhandled rejection');
        expect(p.output()).not.toMatch(/uncaught/i);
      }
      const before = heapBetween(run.samples, 1_000, 6_000);
      const after = heapBetween(run.samples, run.durationMs - 6_000, run.durationMs);
      expect(before).toBeGreaterThan(0);
      // generous: GC timing moves the heap by tens of MiB under load; a leak per message would not stay inside it
      expect(after).toBeLessThan(before * 2 + 64 * MiB);
    });
  });

  if (opts.movingTo)
    it('then the move is still in its dual stage after the faults, on every instance', async () => {
      const checks = await socketChecks(cc);
      expect(checks.map((c) => [c.adapter, c.migration?.stage])).toEqual(
        cc.cluster.instances.map(() => [mode, 'dual']),
      );
    });
  if (opts.movingTo) return;

  describe(`When one of three instances is SIGKILLed under ${rate} messages/s [${mode}]`, () => {
    let run: ChaosRun;
    let watched: VirtualUser[];
    let followerSocket: Socket;
    const heard: Array<{ userId: string; online: boolean }> = [];
    const dropped = new Map<Socket, number>();
    const back = new Map<Socket, { at: number; recovered: boolean }>();
    let killedAt = 0;
    let goneAfterMs = Number.NaN;

    beforeAll(async () => {
      const [survivor, , doomed] = cc.cluster.instances;
      // users whose only device is on the doomed instance, and who do not come back
      watched = await registerUsers(survivor!.url, 3, { tag: `w${mode.length}${Date.now() % 1000}` });
      const fan = cc.users[3]!;
      for (const w of watched) await follow(survivor!.url, fan, w);
      followerSocket = await connectSocket(survivor!.url, fan.token);
      followerSocket.on('presence:changed', (c) => heard.push(c));
      for (const w of watched) {
        const online = waitFor(
          'watched user online',
          () => presenceOnline(followerSocket, w.id),
          10_000,
          100,
        );
        await connectSocket(doomed!.url, w.token);
        await online;
      }
      for (const s of cc.sockets) {
        s.on('disconnect', () => dropped.set(s, Date.now()));
        s.on('connect', () => {
          if (dropped.has(s)) back.set(s, { at: Date.now(), recovered: s.recovered });
        });
      }
      run = await runChaosLoad(cc, {
        label: 'T2 instance loss',
        ratePerSecond: rate,
        durationMs: 20_000,
        poller,
        feedReaders,
        log,
        faults: [
          {
            label: 'instance SIGKILL',
            atMs: 5_000,
            run: async (mark) => {
              mark('down');
              killedAt = Date.now();
              doomed!.kill('SIGKILL');
              await doomed!.exited;
              for (const w of watched)
                await waitFor(
                  'watched user offline',
                  async () => !(await presenceOnline(followerSocket, w.id)),
                  30_000,
                  100,
                );
              goneAfterMs = Date.now() - killedAt;
              mark('presence entries gone');
            },
          },
        ],
      });
    }, 240_000);
    afterAll(() => {
      followerSocket?.disconnect();
    });

    it('then its clients are back on the survivors and nothing acknowledged is lost', async () => {
      await waitConnected(cc.sockets, 30_000);
      const moved = [...dropped.keys()];
      const delays = moved.map((s) => back.get(s)!.at - killedAt);
      const recovered = moved.filter((s) => back.get(s)!.recovered).length;
      await writeChaosReport(`t2-instance-loss-${mode}`, run, {
        socketsMoved: moved.length,
        reconnectMs: { max: Math.max(...delays), median: median(delays) },
        sessionsRestored: recovered,
        sessionsFellBackToSync: moved.length - recovered,
        presenceGoneAfterMs: goneAfterMs,
        firstLiveDeliveryAfterKillMs: firstDeliveryAfter(run, 'instance SIGKILL', 'down'),
      });
      // a third of the load's sockets were on the killed instance
      expect(moved.length).toBeGreaterThan(cc.sockets.length / 4);
      const liveUrls = cc.urls();
      for (const s of moved) expect(liveUrls).toContain((s.io as unknown as { uri: string }).uri);
      expect(run.audit.unstored).toEqual([]);
      expect(run.audit.lostKeys).toEqual([]);
      expect(run.routes.serverErrors).toEqual([]);
    });

    it("then every acknowledged post is on its author's followers' first feed page once the dead worker's fan-outs are taken over", () => {
      expectFeedHeld(run, cc);
    });

    it('then its users’ presence is gone and their followers were told once', () => {
      expect(Number.isNaN(goneAfterMs)).toBe(false);
      for (const w of watched)
        expect(heard.filter((c) => c.userId === w.id && !c.online)).toEqual([
          { userId: w.id, online: false },
        ]);
    });
  });
}
