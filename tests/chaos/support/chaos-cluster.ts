import type { Socket } from 'socket.io-client';
import type { Pair } from '../../../scripts/load/open-loop';
import {
  connectRotatingSocket,
  mapLimit,
  registerUsers,
  type VirtualUser,
} from '../../../scripts/load/virtual-users';
import { type Cluster, startCluster } from '../../support/cluster';
import { requestJson } from '../../support/http-json';
import { type KillableRedis, startKillableRedis } from '../../support/killable-redis';

export type AdapterMode = 'redis' | 'redis-sharded' | 'redis-streams';

/** One sender/receiver pair of the load, with the instance each side first connected to. */
export interface ChaosPair extends Pair {
  senderAt: number;
  receiverAt: number;
}

export interface ChaosCluster {
  mode: AdapterMode;
  redis: KillableRedis;
  cluster: Cluster;
  users: VirtualUser[];
  pairs: ChaosPair[];
  /** every load socket, sender and receiver alike */
  sockets: Socket[];
  urls(): string[];
  stop(): Promise<void>;
}

/** Env of the chaos clusters: every Redis feature on, and short timers so a crash shows in seconds. */
export function chaosEnv(mode: AdapterMode): Record<string, string> {
  return {
    SOCKET_ADAPTER: mode,
    PRESENCE_MODE: 'redis',
    RATE_LIMIT_STORE: 'redis',
    // what production with a Redis runs by default: under load, acks before conversation updates
    MESSAGE_CONVERSATION_WRITES: 'deferred',
    // the feed from fan-out timelines: a Redis fault must fall back to the query and be repaired
    FEED_MODE: 'timeline',
    PRESENCE_GRACE_MS: '0',
    HEARTBEAT_TTL_SECONDS: '3',
    HEARTBEAT_INTERVAL_MS: '1000',
    PRESENCE_REAP_INTERVAL_MS: '500',
    // flag changes must arrive through Redis's notice: the poll would hide a lost subscription
    FLAGS_POLL_MS: '120000',
    SYNC_SETTLE_MS: '500',
    // the load's 2 sends/s per sender stay far below it; the default would hold too
    SOCKET_EVENTS_PER_SECOND: '50',
  };
}

/**
 * A killable Redis (with an append-only file, so a SIGKILL + restart keeps the data), three
 * real instances in one adapter mode, `userCount` users registered through the API and
 * connected with reconnecting clients (every instance's URL in rotation), split into pairs
 * whose sender and receiver sit on different instances, so every delivery crosses the adapter.
 */
export async function startChaosCluster(opts: {
  mode: AdapterMode;
  userCount: number;
  env?: Record<string, string>;
  log: (line: string) => void;
}): Promise<ChaosCluster> {
  const redis = await startKillableRedis({ persist: true });
  let cluster: Cluster | undefined;
  const sockets: Socket[] = [];
  const stop = async () => {
    for (const s of sockets) s.disconnect();
    await cluster?.stop();
    await redis.stop();
  };
  try {
    cluster = await startCluster(3, { REDIS_URL: redis.url, ...chaosEnv(opts.mode), ...opts.env });
    const c = cluster;
    const urls = () =>
      c.instances.filter((p) => p.child.exitCode === null && !p.child.signalCode).map((p) => p.url);
    const started = Date.now();
    const users = await registerUsers(c.instances[0]!.url, opts.userCount, {
      tag: Math.random().toString(36).slice(2, 7),
      concurrency: 8,
      progress: (done, total) => {
        if (done % 50 === 0 || done === total) opts.log(`registered ${done}/${total} users`);
      },
    });
    const all = urls();
    const at = (i: number) => i % all.length;
    const rotation = (first: number) => [...all.slice(first), ...all.slice(0, first)];
    const pairCount = Math.floor(users.length / 2);
    const pairs = await mapLimit(
      Array.from({ length: pairCount }, (_, k) => k),
      20,
      async (k): Promise<ChaosPair> => {
        const s = users[2 * k]!;
        const r = users[2 * k + 1]!;
        const senderAt = at(k);
        const receiverAt = at(k + 1);
        const [sender, receiver] = await Promise.all([
          connectRotatingSocket(rotation(senderAt), s.token, { delayMs: 200, maxDelayMs: 1000 }),
          connectRotatingSocket(rotation(receiverAt), r.token, { delayMs: 200, maxDelayMs: 1000 }),
        ]);
        sockets.push(sender, receiver);
        return { sender, receiver, senderId: s.id, receiverId: r.id, senderAt, receiverAt };
      },
    );
    opts.log(
      `${opts.mode}: 3 instances, ${users.length} users, ${sockets.length} sockets up in ${Date.now() - started} ms`,
    );
    return { mode: opts.mode, redis, cluster: c, users, pairs, sockets, urls, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `follower` follows `followed` through the API (presence is told to followers only). */
export async function follow(baseUrl: string, follower: VirtualUser, followed: VirtualUser): Promise<void> {
  const res = await requestJson(`${baseUrl}/api/users/${followed.id}/follow`, {
    method: 'PUT',
    token: follower.token,
  });
  if (res.status !== 200) throw new Error(`follow: ${res.status} ${JSON.stringify(res.body)}`);
}
