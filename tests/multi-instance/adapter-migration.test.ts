import supertest from 'supertest';
import { main as verifyAdapter } from '../../scripts/verify-adapter';
import {
  cid,
  MOVE_ENV,
  moveUnderLoad,
  type SocketCheck,
  setAdapter,
  settledOn,
  socketCheck,
} from '../support/adapter-moves';
import { registerUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { scrapeMetric } from '../support/scrape-metrics';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

describe('When three instances under typing and message load move redis → redis-sharded → redis-streams → redis through the admin API', () => {
  let cluster: Cluster;
  const clients = new SocketClients(() => cluster.instances[0]!.url);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('then no typing event is lost or doubled, no acked message is lost, no message:new is doubled, and no process restarts', async () => {
    cluster = await startCluster(3, { ...MOVE_ENV, SOCKET_ADAPTER: 'redis' });
    await moveUnderLoad(cluster, clients, ['redis-sharded', 'redis-streams', 'redis']);
  }, 180_000);
});

describe('When one instance on the memory adapter moves to redis live', () => {
  let cluster: Cluster;
  const clients = new SocketClients(() => cluster.instances[0]!.url);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('then a second instance started afterwards uses the stored override, messages cross both ways, and moving back to memory is refused', async () => {
    cluster = await startCluster(1, { ...MOVE_ENV, SOCKET_ADAPTER: 'memory' });
    const A = cluster.instances[0]!.url;
    const api = supertest(A);
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const aliceOnA = await clients.connect(alice.token, { url: A });

    expect((await setAdapter(A, 'redis')).status).toBe(200);
    await settledOn(cluster, 'redis');

    const B = (await cluster.add()).url;
    expect(await socketCheck(B)).toEqual(expect.objectContaining({ adapter: 'redis', migration: null }));
    const bobOnB = await clients.connect(bob.token, { url: B });
    const toBob = nextEvent<{ message: { id: string } }>(bobOnB, 'message:new');
    const ack = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'over',
      clientId: cid(),
    });
    expect(ack.ok).toBe(true);
    expect((await toBob).message.id).toBe(ack.message.id);
    const toAlice = nextEvent<{ message: { id: string } }>(aliceOnA, 'message:new');
    const back = await request(bobOnB, 'message:send', {
      recipientId: alice.id,
      text: 'back',
      clientId: cid(),
    });
    expect((await toAlice).message.id).toBe(back.message.id);

    for (const url of [A, B]) {
      const refused = await setAdapter(url, 'memory');
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('ADAPTER_MEMORY_REFUSED');
      const reset = await requestJson(`${url}/admin/flags/socket.adapter`, {
        method: 'DELETE',
        token: TEST_ADMIN_TOKEN,
      });
      expect(reset.status).toBe(400);
      expect(reset.body.error.code).toBe('ADAPTER_MEMORY_REFUSED');
    }
    const flags = await requestJson(`${A}/admin/flags`, { token: TEST_ADMIN_TOKEN });
    expect(flags.body.flags.find((f: { name: string }) => f.name === 'socket.adapter').value).toBe('redis');
  }, 120_000);
});

describe('When two instances hold the dual stage of a move redis → redis-streams', () => {
  let cluster: Cluster;
  const clients = new SocketClients(() => cluster.instances[0]!.url);
  let A: string;
  let B: string;
  beforeAll(async () => {
    // a long dual stage: the cutover waits for the operator here
    cluster = await startCluster(2, { ...MOVE_ENV, SOCKET_ADAPTER: 'redis', ADAPTER_DUAL_MIN_MS: '600000' });
    A = cluster.instances[0]!.url;
    B = cluster.instances[1]!.url;
    expect((await setAdapter(A, 'redis-streams')).status).toBe(200);
    await waitFor(
      'both instances in the dual stage',
      () => Promise.all([socketCheck(A), socketCheck(B)]),
      (checks) => checks.every((c) => c.adapter === 'redis' && c.migration?.stage === 'dual'),
      20_000,
    );
  }, 60_000);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('then a message crosses once, and a logout on A reaches the user’s socket on B (cluster notices go on both transports)', async () => {
    const api = supertest(A);
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const aliceOnA = await clients.connect(alice.token, { url: A });
    const bobOnB = await clients.connect(bob.token, { url: B });
    const heard: string[] = [];
    bobOnB.on('message:new', (e: { message: { id: string } }) => heard.push(e.message.id));
    const first = nextEvent(bobOnB, 'message:new');
    const ack = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'dual',
      clientId: cid(),
    });
    await first;
    // a marker after it: once the marker is in, a second copy of the first would be too
    const marker = nextEvent(bobOnB, 'message:new');
    const ack2 = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'mark',
      clientId: cid(),
    });
    await marker;
    // a second copy would come over the other transport, whose lag no event announces
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).toEqual([ack.message.id, ack2.message.id]);

    const revoked = nextEvent(bobOnB, 'session:revoked');
    const gone = nextEvent(bobOnB, 'disconnect');
    await api.post('/api/auth/logout').set(bob.auth).expect(204);
    expect(await revoked).toEqual(expect.objectContaining({ code: 'UNAUTHORIZED' }));
    await gone;
  });

  it('then verify:adapter and /metrics show every dual-published packet arrived over both transports, on each instance and for the cluster', async () => {
    // a message each way: each instance then has packets to count
    const api = supertest(A);
    const [erin, frank] = await Promise.all([registerUser(api), registerUser(api)]);
    const erinOnA = await clients.connect(erin.token, { url: A });
    const frankOnB = await clients.connect(frank.token, { url: B });
    const toFrank = nextEvent(frankOnB, 'message:new');
    await request(erinOnA, 'message:send', { recipientId: frank.id, text: 'there', clientId: cid() });
    await toFrank;
    const toErin = nextEvent(erinOnA, 'message:new');
    await request(frankOnB, 'message:send', { recipientId: erin.id, text: 'back', clientId: cid() });
    await toErin;
    // both copies are in once the health answers count them
    await waitFor(
      'every instance counting both copies',
      () =>
        Promise.all(
          [A, B].map(async (url) => (await socketCheck(url)) as SocketCheck & { shadow?: { both: number } }),
        ),
      (checks) => checks.every((c) => (c.shadow?.both ?? 0) > 0),
    );
    const lines: string[] = [];
    const code = await verifyAdapter([A, B, '--token', TEST_ADMIN_TOKEN, '--strict'], (l) => lines.push(l));
    const text = lines.join('\n');
    expect(code).toBe(0);
    expect(text).toMatch(/^scope\s+adapter\s+move\s+both\s+old only\s+new only/m);
    for (const i of cluster.instances)
      expect(text).toMatch(
        new RegExp(`^${i.instanceId}\\s+redis\\s+redis→redis-streams dual\\s+[1-9]\\d*\\s+0\\s+0`, 'm'),
      );
    expect(text).toMatch(/^cluster\s+redis\s+[1-9]\d*\s+0\s+0/m);
    expect(
      await scrapeMetric(B, 'socketio_adapter_shadow_deliveries_total', { via: 'both' }),
    ).toBeGreaterThan(0);
    expect(await scrapeMetric(B, 'socketio_adapter_shadow_deliveries_total', { via: 'old' })).toBe(0);
  });

  it('then setting the flag back to redis rolls the move back on both, and messages still cross', async () => {
    expect((await setAdapter(B, 'redis')).status).toBe(200);
    await settledOn(cluster, 'redis');
    const api = supertest(B);
    const [carol, dan] = await Promise.all([registerUser(api), registerUser(api)]);
    const carolOnB = await clients.connect(carol.token, { url: B });
    const danOnA = await clients.connect(dan.token, { url: A });
    const toDan = nextEvent<{ message: { id: string } }>(danOnA, 'message:new');
    const ack = await request(carolOnB, 'message:send', {
      recipientId: dan.id,
      text: 'back',
      clientId: cid(),
    });
    expect((await toDan).message.id).toBe(ack.message.id);
  });
});
