import type { Socket } from 'socket.io-client';
import {
  connectRotatingSocket,
  mapLimit,
  registerUsers,
  type VirtualUser,
} from '../../scripts/load/virtual-users';
import { type Cluster, startCluster } from '../support/cluster';
import { type KillableRedis, startKillableRedis } from '../support/killable-redis';
import { scrapeMetric } from '../support/scrape-metrics';
import { chaosEnv } from './support/chaos-cluster';
import { renderChart, stormSpec } from './support/chaos-report';
import { waitConnected } from './support/chaos-run';
import { log } from './support/chaos-settings';
import { writeJsonReport } from './support/json-report';

const SOCKETS = Number(process.env.CHAOS_STORM_SOCKETS ?? 10_000);
const INSTANCES = 3;
// a user's tabs, spread over the instances, below the default SOCKET_MAX_PER_USER (10): a crashed
// instance's sockets keep counting against the cap until their entries lapse
// (HEARTBEAT_TTL_SECONDS, docs/failures.md), so the cap counts in this storm
const PER_USER = 5;

let redis: KillableRedis;
let cluster: Cluster;
let users: VirtualUser[];
const sockets: Socket[] = [];

/**
 * Every test client comes from 127.0.0.1, so each user is given an address of its own through
 * X-Forwarded-For with TRUST_PROXY=1 (as behind the shipped nginx), and the handshake limit
 * stays at its production default (120 per address and minute): the storm is honest addresses
 * with 5 tabs each, not one address with all of them.
 */
beforeAll(async () => {
  redis = await startKillableRedis();
  cluster = await startCluster(INSTANCES, {
    REDIS_URL: redis.url,
    ...chaosEnv('redis'),
    TRUST_PROXY: '1',
    SOCKET_HANDSHAKE_MAX: '120',
    SOCKET_MAX_PER_USER: '10',
  });
  users = await registerUsers(cluster.instances[0]!.url, SOCKETS / PER_USER, {
    tag: `s${Date.now() % 10000}`,
    concurrency: 16,
    progress: (d, t) => d % 500 === 0 && log(`storm: registered ${d}/${t}`),
  });
}, 300_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await cluster?.stop();
  await redis?.stop();
});

describe(`When one of ${INSTANCES} instances holding ${SOCKETS} sockets is killed and its sockets all reconnect at once`, () => {
  it('then no handshake answers ≥ 500, none is refused by the cap or the handshake limit, and all are back', async () => {
    // the clients' rotation; the replacement takes the dead instance's place in it
    const urls = cluster.instances.map((p) => p.url);
    const serverErrors: string[] = [];
    const refusals: string[] = [];
    await mapLimit(
      Array.from({ length: SOCKETS }, (_, i) => i),
      50,
      async (i) => {
        const u = Math.floor(i / PER_USER);
        const s = await connectRotatingSocket(urls, users[u]!.token, {
          // a user's tabs on every instance, so each instance's crash reaches every user's cap
          first: i,
          // benchmarking addresses (RFC 2544, 198.18.0.0/15), only ever a header: nothing is sent to them
          extraHeaders: { 'x-forwarded-for': `198.${18 + (u >> 16)}.${(u >> 8) & 255}.${u & 255}` },
          delayMs: 500,
          maxDelayMs: 5000,
        });
        s.on('connect_error', (err: Error & { data?: { code?: string }; description?: unknown }) => {
          const text = `${err.message} ${String(err.description ?? '')}`;
          if (/\b5\d\d\b/.test(text)) serverErrors.push(text);
          if (err.data?.code) refusals.push(err.data.code);
        });
        sockets.push(s);
      },
    );
    log(`storm: ${sockets.length} sockets connected across ${urls.length} instances`);

    const doomed = cluster.instances[0]!;
    // listening before the kill: some sockets are back on a survivor before the replacement is up
    const backAt: number[] = [];
    let startedAt = 0;
    let dropped = 0;
    for (const s of sockets)
      s.once('disconnect', () => {
        dropped += 1;
        s.once('connect', () => backAt.push(Date.now() - startedAt));
      });
    startedAt = Date.now();
    doomed.kill('SIGKILL');
    await doomed.exited;
    // the restart: a new instance in its place (a new port, as a replaced container would get)
    const replacement = await cluster.add();
    urls[0] = replacement.url;
    const restartedMs = Date.now() - startedAt;
    await waitConnected(sockets, 60_000);
    const allBackMs = Date.now() - startedAt;
    const limited = await Promise.all(
      cluster.instances
        .filter((p) => p !== doomed)
        .map((p) => scrapeMetric(p.url, 'rate_limited_total', { limiter: 'handshake' })),
    );
    const capped = await Promise.all(
      cluster.instances
        .filter((p) => p !== doomed)
        .map((p) => scrapeMetric(p.url, 'rate_limited_total', { limiter: 'socket_cap' })),
    );
    const on = await Promise.all(
      cluster.instances.filter((p) => p !== doomed).map((p) => scrapeMetric(p.url, 'socketio_connections')),
    );
    const figures = {
      sockets: SOCKETS,
      users: users.length,
      instances: INSTANCES,
      dropped,
      instanceRestartMs: restartedMs,
      allBackMs,
      backMedianMs: backAt.sort((a, b) => a - b)[Math.floor(backAt.length / 2)],
      handshakeServerErrors: serverErrors.length,
      refusals: refusals.length,
      handshakeRateLimited: limited.reduce((a, b) => a + b, 0),
      refusedByCap: capped.reduce((a, b) => a + b, 0),
      connectionsBySurvivor: on,
      replacement: replacement.instanceId,
    };
    writeJsonReport('t3-reconnect-storm', figures, log);
    const chart = renderChart(
      'chaos/t3-reconnect-storm',
      stormSpec(backAt, backAt.length, [
        { what: 'SIGKILL', atMs: 0 },
        { what: 'replacement ready', atMs: restartedMs },
      ]),
    );
    log(`t3-reconnect-storm: chart ${chart}`);

    expect(serverErrors).toEqual([]);
    expect(refusals).toEqual([]);
    expect(figures.handshakeRateLimited).toBe(0);
    expect(figures.refusedByCap).toBe(0);
    expect(backAt.length).toBe(dropped);
    expect(on.reduce((a, b) => a + b, 0)).toBe(SOCKETS);
  }, 600_000);
});
