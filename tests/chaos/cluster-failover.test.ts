import mongoose from 'mongoose';
import type { Socket } from 'socket.io-client';
import { getMessageModel } from '../../backend/modules/messages/message-model';
import { createLatencyHistogram } from '../../scripts/load/latency-histogram';
import { runOpenLoopSchedule } from '../../scripts/load/open-loop-schedule';
import { connectSocket, registerUsers, type VirtualUser } from '../../scripts/load/virtual-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { type RedisClusterHandle, startRedisCluster } from '../support/redis-cluster';
import { nextEvent } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

/**
 * Redis Cluster failover under load, in each adapter mode: three instances on a 3-master
 * cluster with a replica per master, direct messages at a moderate rate, and the master that
 * holds the streams adapter's stream SIGKILLed a few seconds in. Its replica takes over
 * (cluster-node-timeout 2000 ms); every acknowledged message must be in Mongo and reach its
 * recipient, live or through `sync`.
 */
const RATE_PER_SECOND = 30;
const DURATION_MS = 12_000;
const KILL_AFTER_MS = 3_000;
const USERS = 30;
const GRACE_MS = 15_000;

interface Figures {
  adapter: string;
  sent: number;
  acked: number;
  refused: number;
  deliveredLive: number;
  recoveredBySync: number;
  lost: number;
  notInMongo: number;
  failoverMs: number;
  /** sampled every 100 ms on instance 0: how long its Redis breaker was not closed */
  breakerNotClosedMs: number;
  /** GET /api/conversations on every instance, sampled with it: answers ≥ 500 */
  routeErrors: number;
  routeSamples: number;
}

const figures: Figures[] = [];
afterAll(() => {
  for (const f of figures) process.stderr.write(`[cluster-failover] ${JSON.stringify(f)}\n`);
});

/** Every clientId the user's `sync` returns since `since`, following `hasMore` pages. */
async function syncedClientIds(socket: Socket, since: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor = since;
  for (let page = 0; page < 50; page++) {
    const reply = (await socket.timeout(10_000).emitWithAck('sync', { since: cursor })) as {
      ok: boolean;
      messages?: Array<{ clientId?: string }>;
      hasMore?: boolean;
      until?: string;
    };
    if (!reply.ok) throw new Error(`sync refused: ${JSON.stringify(reply)}`);
    for (const m of reply.messages ?? []) if (m.clientId) ids.add(m.clientId);
    if (!reply.hasMore || !reply.until || reply.until === cursor) break;
    cursor = reply.until;
  }
  return ids;
}

describe.each(['redis', 'redis-sharded', 'redis-streams'] as const)(
  'When a Redis Cluster master is SIGKILLed under load with socket.adapter=%s',
  (adapter) => {
    let redisCluster: RedisClusterHandle;
    let instances: Cluster;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      redisCluster = await startRedisCluster({ nodeTimeoutMs: 2000 });
      instances = await startCluster(3, {
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: redisCluster.nodesEnv,
        SOCKET_ADAPTER: adapter,
        PRESENCE_MODE: 'redis',
        RATE_LIMIT_STORE: 'redis',
        USE_CACHE: 'true',
        SYNC_SETTLE_MS: '500',
      });
    }, 120_000);
    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await instances?.stop();
      await redisCluster?.stop();
    });

    it('then the replica takes over and every acknowledged message is in Mongo and reaches its recipient', async () => {
      const urls = instances.instances.map((i) => i.url);
      const tag = `${adapter.replace(/\W/g, '')}${Date.now().toString(36)}`;
      const users = await registerUsers(urls[0]!, USERS, { tag });
      // user i talks to user i^1, each on its own instance, so most pairs cross instances
      for (const [i, u] of users.entries()) sockets[i] = await connectSocket(urls[i % urls.length]!, u.token);
      const partnerOf = (i: number) => users[i ^ 1]!;

      const recipientOf = new Map<string, VirtualUser>(); // clientId → recipient, from the send on
      const acked = new Map<string, number>(); // clientId → recipient's index
      const live = new Set<string>();
      for (const [i, s] of sockets.entries())
        s.on('message:new', (p: { message?: { clientId?: string } }) => {
          const id = p?.message?.clientId;
          // the sender's own devices hear it too: only the recipient's copy counts
          if (id && recipientOf.get(id)?.id === users[i]!.id) live.add(id);
        });

      const victim = await redisCluster.masterOf(`${instances.env.REDIS_KEY_PREFIX}socket.io`);
      let refused = 0;
      let inFlight = 0;
      const since = new Date(Date.now() - 60_000).toISOString();
      const start = performance.now() + 20;
      let killedAt = 0;
      const failover = new Promise<number>((resolve, reject) => {
        setTimeout(() => {
          killedAt = performance.now();
          redisCluster
            .kill(victim)
            .then(() => redisCluster.waitForFailover(victim))
            .then(() => resolve(performance.now() - killedAt), reject);
        }, KILL_AFTER_MS);
      });
      // the sampler: instance 0's breaker (from /health) and a route that needs no Redis
      let sampling = true;
      let breakerNotClosedMs = 0;
      let routeErrors = 0;
      let routeSamples = 0;
      const sampler = (async () => {
        let last = performance.now();
        while (sampling) {
          const [health, ...routes] = await Promise.all([
            requestJson(`${urls[0]}/health`, { token: TEST_ADMIN_TOKEN }).catch(() => undefined),
            ...urls.map((u, i) =>
              requestJson(`${u}/api/conversations`, { token: users[i]!.token }).catch(() => ({
                status: 599,
              })),
            ),
          ]);
          const now = performance.now();
          if (health?.body?.checks?.redis?.breaker !== 'closed') breakerNotClosedMs += now - last;
          last = now;
          routeSamples += routes.length;
          routeErrors += routes.filter((r) => r.status >= 500).length;
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const total = Math.round((RATE_PER_SECOND * DURATION_MS) / 1000);
      await runOpenLoopSchedule({
        start,
        interval: 1000 / RATE_PER_SECOND,
        total,
        durationMs: DURATION_MS,
        lag: createLatencyHistogram(),
        progress: () => {},
        fire: (n) => {
          const i = n % users.length;
          const clientId = `${tag}-${n}`;
          const to = partnerOf(i);
          recipientOf.set(clientId, to);
          inFlight++;
          sockets[i]!.timeout(10_000)
            .emitWithAck('message:send', { recipientId: to.id, text: `failover ${n}`, clientId })
            .then(
              (reply: { ok?: boolean }) => {
                if (reply?.ok) acked.set(clientId, i ^ 1);
                else refused++;
              },
              () => {
                refused++;
              },
            )
            .finally(() => {
              inFlight--;
            });
        },
      });
      const failoverMs = await failover;
      // acks still on their way, then live deliveries still in flight: bounded, event-free waits
      const graceEnd = performance.now() + GRACE_MS;
      while (performance.now() < graceEnd && (inFlight > 0 || [...acked.keys()].some((id) => !live.has(id))))
        await new Promise((r) => setTimeout(r, 50));
      sampling = false;
      await sampler;

      const notLive = [...acked].filter(([id]) => !live.has(id));
      const byRecipient = new Map<number, string[]>();
      for (const [id, r] of notLive) byRecipient.set(r, [...(byRecipient.get(r) ?? []), id]);
      let recoveredBySync = 0;
      for (const [r, ids] of byRecipient) {
        const synced = await syncedClientIds(sockets[r]!, since);
        recoveredBySync += ids.filter((id) => synced.has(id)).length;
      }

      const conn = await mongoose.createConnection(instances.mongoUrl).asPromise();
      let notInMongo = 0;
      try {
        const stored = new Set(
          (
            await getMessageModel(conn)
              .find({ clientId: { $regex: `^${tag}-` } }, { clientId: 1 })
              .lean()
          ).map((m) => m.clientId),
        );
        notInMongo = [...acked.keys()].filter((id) => !stored.has(id)).length;
      } finally {
        await conn.close();
      }

      const f: Figures = {
        adapter,
        sent: total,
        acked: acked.size,
        refused,
        deliveredLive: acked.size - notLive.length,
        recoveredBySync,
        lost: notLive.length - recoveredBySync,
        notInMongo,
        failoverMs: Math.round(failoverMs),
        breakerNotClosedMs: Math.round(breakerNotClosedMs),
        routeErrors,
        routeSamples,
      };
      figures.push(f);
      expect(await redisCluster.masters()).toHaveLength(3);

      // after the failover, delivery across instances is live again (subscriptions followed
      // the promoted replica): one message per pair, each awaited at its recipient
      await Promise.all(
        users.map(async (_, i) => {
          if (i % 2 === 1) return;
          const clientId = `${tag}-after-${i}`;
          const arrived = nextEvent<{ message?: { clientId?: string } }>(sockets[i ^ 1]!, 'message:new', {
            where: (p) => p?.message?.clientId === clientId,
            timeoutMs: 10_000,
          });
          const reply = (await sockets[i]!.timeout(10_000).emitWithAck('message:send', {
            recipientId: partnerOf(i).id,
            text: 'after the failover',
            clientId,
          })) as { ok?: boolean };
          expect(reply.ok).toBe(true);
          await arrived;
        }),
      );
      expect(f.acked).toBeGreaterThan(total / 2);
      expect(f.notInMongo).toBe(0);
      expect(f.lost).toBe(0);
      expect(f.routeErrors).toBe(0);
    }, 180_000);
  },
);
