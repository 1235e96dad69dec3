import type { ChildService } from '../../scripts/databases/child-service';
import { startRedisServer } from '../../scripts/databases/redis-server';
import { main as verifyPresence } from '../../scripts/verify-presence';
import { type Cluster, startCluster } from '../support/cluster';
import {
  eventuallySeen,
  metricFrom,
  onlineSeenFrom,
  registerOn,
  tallyOf,
  watch,
} from '../support/presence-cluster';
import type { ServerProcess } from '../support/server-process';
import { SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

// A Redis of this file's own, so killing it touches no other test.
let redis: ChildService;
let cluster: Cluster;
let a: ServerProcess;
let b: ServerProcess;
const clients = new SocketClients(() => a.url);

beforeAll(async () => {
  redis = await startRedisServer();
  cluster = await startCluster(2, {
    REDIS_URL: redis.url,
    PRESENCE_MODE: 'dual-write',
    USE_REDIS_PERCENTAGE: '100',
    PRESENCE_SHADOW_READ: 'true',
    SOCKET_ADAPTER: 'memory',
    CONTACTS_CACHE_MS: '0',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    PRESENCE_GRACE_MS: '0',
  });
  [a, b] = cluster.instances as [ServerProcess, ServerProcess];
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
  await redis?.stop();
});

describe('When Redis dies in the middle of dual-write and comes back', () => {
  it('then sockets keep connecting and leaving, presence answers from memory with failures counted, and after the backfill the shadow tally is back to 100 %', async () => {
    const [watcher, alice, bob, carol] = await Promise.all([
      registerOn(a, 'w'),
      registerOn(a, 'alice'),
      registerOn(a, 'bob'),
      registerOn(a, 'carol'),
    ]);
    await watch(a, watcher, [alice, bob, carol]);
    const onA = await clients.connect(watcher.token, { url: a.url });
    await clients.connect(alice.token, { url: a.url });
    const bobSocket = await clients.connect(bob.token, { url: b.url });
    await eventuallySeen(onA, bob.id, true);
    const fallbackBefore = await metricFrom(a, 'presence_reads_total', { store: 'memory-fallback' });

    await redis.stop();
    // connects and disconnects while Redis is gone
    await clients.connect(carol.token, { url: a.url });
    bobSocket.disconnect();
    await eventuallySeen(onA, carol.id, true);
    // from memory: A's own users are right; B's are invisible to A until Redis is back
    expect(await onlineSeenFrom(onA, [alice.id, carol.id, bob.id])).toEqual({
      [alice.id]: true,
      [carol.id]: true,
      [bob.id]: false,
    });
    expect(await metricFrom(a, 'presence_reads_total', { store: 'memory-fallback' })).toBeGreaterThan(
      fallbackBefore,
    );
    expect(await metricFrom(a, 'presence_secondary_failures_total', { op: 'add' })).toBeGreaterThanOrEqual(1);
    expect(await metricFrom(b, 'presence_secondary_failures_total', { op: 'remove' })).toBeGreaterThanOrEqual(
      1,
    );

    // same port: the instances' clients reconnect on their own, then backfill
    redis = await startRedisServer({ port: redis.port });
    const onB = await clients.connect(watcher.token, { url: b.url });
    await eventuallySeen(onB, carol.id, true, 20_000);
    await eventuallySeen(onB, alice.id, true);
    expect(await onlineSeenFrom(onB, [bob.id])).toEqual({ [bob.id]: false });

    await waitFor(
      'shadow comparisons on both instances after the backfill',
      async () => {
        await onlineSeenFrom(onA, [alice.id, bob.id, carol.id, watcher.id]);
        await onlineSeenFrom(onB, [alice.id, bob.id, carol.id, watcher.id]);
        const [ta, tb] = await Promise.all([tallyOf(a), tallyOf(b)]);
        return ta.compared >= 4 && tb.compared >= 4;
      },
      20_000,
      100,
    );
    const tallies = await Promise.all([tallyOf(a), tallyOf(b)]);
    for (const t of tallies) expect(t).toMatchObject({ mismatches: 0 });

    // the operator's view of the same thing: every live instance asked, one percentage
    const lines: string[] = [];
    const code = await verifyPresence(
      ['--redis-url', redis.url, '--prefix', cluster.env.REDIS_KEY_PREFIX!, '--token', TEST_ADMIN_TOKEN],
      (l) => lines.push(l),
    );
    process.stderr.write(`${lines.join('\n')}\n`);
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/consistency across 2 instance\(s\): 100 %/);
  }, 90_000);
});
