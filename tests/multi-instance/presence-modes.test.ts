import { type Cluster, startCluster } from '../support/cluster';
import {
  type ClusterUser,
  eventuallySeen,
  metricFrom,
  onlineSeenFrom,
  registerOn,
  setFlag,
  tallyOf,
  watch,
} from '../support/presence-cluster';
import type { ServerProcess } from '../support/server-process';
import { SocketClients } from '../support/socket-clients';
import { waitFor } from '../support/wait-for';

// Short heartbeats so the SIGKILL test needs seconds, not half a minute; defaults stay 30 s / 10 s.
const FAST_BEATS = {
  HEARTBEAT_TTL_SECONDS: '3',
  HEARTBEAT_INTERVAL_MS: '1000',
  PRESENCE_REAP_INTERVAL_MS: '500',
};

let cluster: Cluster;
let a: ServerProcess;
let b: ServerProcess;
const clients = new SocketClients(() => a.url);
let watcher: ClusterUser;
let bob: ClusterUser;
let amy: ClusterUser;

beforeAll(async () => {
  cluster = await startCluster(2, {
    PRESENCE_MODE: 'memory',
    PRESENCE_SHADOW_READ: 'true',
    SOCKET_ADAPTER: 'memory',
    // the memory adapter carries no cross-instance notices, so a follow made on A would reach
    // B's contacts cache only after its TTL; these tests are about presence, not that cache
    CONTACTS_CACHE_MS: '0',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    PRESENCE_GRACE_MS: '0',
    ...FAST_BEATS,
  });
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
  [watcher, bob, amy] = await Promise.all([registerOn(a, 'w'), registerOn(a, 'bob'), registerOn(a, 'amy')]);
  await watch(a, watcher, [bob, amy]);
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
});

describe('When presence moves from memory to Redis under live connections', () => {
  it('then in memory mode a user on B looks offline from A (the bug the migration fixes)', async () => {
    const onA = await clients.connect(watcher.token, { url: a.url });
    const onB = await clients.connect(watcher.token, { url: b.url });
    await clients.connect(bob.token, { url: b.url });
    await clients.connect(amy.token, { url: a.url });
    // B knows bob is online, A knows amy is: each instance sees only its own sockets
    await eventuallySeen(onB, bob.id, true);
    await eventuallySeen(onA, amy.id, true);
    expect(await onlineSeenFrom(onA, [bob.id, amy.id])).toEqual({ [bob.id]: false, [amy.id]: true });
    expect(await onlineSeenFrom(onB, [bob.id, amy.id])).toEqual({ [bob.id]: true, [amy.id]: false });
  });

  it('then entering dual-write at 100 % reads backfills the live sockets and every instance sees every user', async () => {
    const [onA, onB] = await Promise.all([
      clients.connect(watcher.token, { url: a.url }),
      clients.connect(watcher.token, { url: b.url }),
    ]);
    await setFlag(cluster, 'presence.redisReadPercent', 100);
    await setFlag(cluster, 'presence.mode', 'dual-write');
    // nobody reconnected: bob's and amy's sockets from memory mode reach Redis by backfill
    await eventuallySeen(onA, bob.id, true);
    await eventuallySeen(onB, amy.id, true);
    expect(await onlineSeenFrom(onA, [bob.id, amy.id])).toEqual({ [bob.id]: true, [amy.id]: true });
    expect(await onlineSeenFrom(onB, [bob.id, amy.id])).toEqual({ [bob.id]: true, [amy.id]: true });
  });

  it('then in redis mode a second device elsewhere keeps the user online and the last one leaving takes them offline everywhere', async () => {
    await setFlag(cluster, 'presence.mode', 'redis');
    const onA = await clients.connect(watcher.token, { url: a.url });
    const onB = await clients.connect(watcher.token, { url: b.url });
    const carol = await registerOn(b, 'carol');
    await watch(b, watcher, [carol]);
    const phone = await clients.connect(carol.token, { url: a.url });
    const laptop = await clients.connect(carol.token, { url: b.url });
    await eventuallySeen(onB, carol.id, true);
    const socketsOnA = await metricFrom(a, 'socketio_connections', {});
    phone.disconnect();
    // once A has dropped the phone (its removal is then on the wire to Redis, ahead of the
    // next read), the laptop on B still keeps carol online, seen from both
    await waitFor(
      'A to drop the phone',
      async () => (await metricFrom(a, 'socketio_connections', {})) === socketsOnA - 1,
    );
    expect(await onlineSeenFrom(onB, [carol.id])).toEqual({ [carol.id]: true });
    expect(await onlineSeenFrom(onA, [carol.id])).toEqual({ [carol.id]: true });
    laptop.disconnect();
    await eventuallySeen(onA, carol.id, false);
    await eventuallySeen(onB, carol.id, false);
  });

  it('then switching back to memory is instant: each instance answers at once for its own sockets', async () => {
    const onA = await clients.connect(watcher.token, { url: a.url });
    const onB = await clients.connect(watcher.token, { url: b.url });
    await setFlag(cluster, 'presence.mode', 'memory');
    // the first reads after the switch: no backfill, no warm-up, nothing lost locally
    expect(await onlineSeenFrom(onB, [bob.id])).toEqual({ [bob.id]: true });
    expect(await onlineSeenFrom(onA, [amy.id])).toEqual({ [amy.id]: true });
    expect(await onlineSeenFrom(onA, [bob.id])).toEqual({ [bob.id]: false });

    // and forward again: the backfill restores the cluster-wide view with no reconnect
    await setFlag(cluster, 'presence.mode', 'dual-write');
    await eventuallySeen(onA, bob.id, true);
    await eventuallySeen(onB, amy.id, true);
  });

  it('then shadow reads on every instance agree with memory (100 % consistency)', async () => {
    const onA = await clients.connect(watcher.token, { url: a.url });
    const onB = await clients.connect(watcher.token, { url: b.url });
    await waitFor(
      'comparisons on both instances',
      async () => {
        await onlineSeenFrom(onA, [bob.id, amy.id, watcher.id]);
        await onlineSeenFrom(onB, [bob.id, amy.id, watcher.id]);
        const [ta, tb] = await Promise.all([tallyOf(a), tallyOf(b)]);
        return ta.compared >= 3 && tb.compared >= 3;
      },
      10_000,
      100,
    );
    for (const t of await Promise.all([tallyOf(a), tallyOf(b)])) expect(t.mismatches).toBe(0);
  });

  it("then a SIGKILLed instance's users read offline from the others well within 30 s", async () => {
    await setFlag(cluster, 'presence.mode', 'redis');
    const c = await cluster.add();
    const dan = await registerOn(a, 'dan');
    await watch(a, watcher, [dan]);
    const onA = await clients.connect(watcher.token, { url: a.url });
    await clients.connect(dan.token, { url: c.url, reconnection: false });
    await eventuallySeen(onA, dan.id, true);

    const killedAt = Date.now();
    c.kill('SIGKILL');
    await c.exited;
    await eventuallySeen(onA, dan.id, false, 30_000);
    const clearedAfterMs = Date.now() - killedAt;
    process.stderr.write(
      `presence: SIGKILLed instance's users cleared after ${clearedAfterMs} ms (TTL 3 s)\n`,
    );
    // everyone else is untouched
    expect(await onlineSeenFrom(onA, [bob.id, amy.id])).toEqual({ [bob.id]: true, [amy.id]: true });
  }, 60_000);
});
