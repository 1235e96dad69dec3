import supertest from 'supertest';
import { main as verifyAdapter } from '../../scripts/verify-adapter';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { scrapeMetric } from '../support/scrape-metrics';
import { type ClientSocket, nextEvent, request, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

/** Short stages, so a move takes seconds; the defaults are for production. */
const MOVE_ENV = {
  PRESENCE_MODE: 'redis',
  PRESENCE_GRACE_MS: '300',
  ADAPTER_DUAL_MIN_MS: '1500',
  ADAPTER_DRAIN_MS: '1000',
  HEARTBEAT_INTERVAL_MS: '1000',
  SOCKET_EVENTS_PER_SECOND: '1000',
  SOCKET_EVENT_BURST: '1000',
};

interface SocketCheck {
  adapter: string;
  migration: { from: string; to: string; stage: string } | null;
}

const socketCheck = async (url: string): Promise<SocketCheck> =>
  (await requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN })).body.checks.socket;

const setAdapter = (url: string, value: string) =>
  requestJson(`${url}/admin/flags`, { token: TEST_ADMIN_TOKEN, body: { flag: 'socket.adapter', value } });

/** Polls every instance's health until each publishes on `adapter` alone with no move left; returns the stages seen. */
async function settledOn(cluster: Cluster, adapter: string): Promise<Set<string>> {
  const stages = new Set<string>();
  await waitFor(
    `every instance on ${adapter} with no move in progress`,
    async () => {
      const checks = await Promise.all(cluster.instances.map((i) => socketCheck(i.url)));
      for (const c of checks) if (c.migration) stages.add(c.migration.stage);
      return checks;
    },
    (checks) => checks.every((c) => c.adapter === adapter && c.migration === null),
    30_000,
    100,
  );
  return stages;
}

let uniq = 0;
const cid = () => `mv${++uniq}-${Date.now()}`;

describe('When three instances under typing and message load move redis → redis-sharded → redis-streams → redis through the admin API', () => {
  let cluster: Cluster;
  const clients = new SocketClients(() => cluster.instances[0]!.url);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  it('then no typing event is lost or doubled, no acked message is lost, no message:new is doubled, and no process restarts', async () => {
    cluster = await startCluster(3, { ...MOVE_ENV, SOCKET_ADAPTER: 'redis' });
    const urls = cluster.instances.map((i) => i.url);
    const pids = cluster.instances.map((i) => i.child.pid);
    const api = supertest(urls[0]!);
    // six pairs, each side on a different instance, each pair in a conversation (typing needs one)
    const pairs: Array<{ a: TestUser; b: TestUser; onA: ClientSocket; onB: ClientSocket }> = [];
    for (let p = 0; p < 6; p++) {
      const [a, b] = await Promise.all([registerUser(api), registerUser(api)]);
      const onA = await clients.connect(a.token, { url: urls[p % 3] });
      const onB = await clients.connect(b.token, { url: urls[(p + 1) % 3] });
      const first = nextEvent(onB, 'message:new');
      expect(
        (await request(onA, 'message:send', { recipientId: b.id, text: 'hi', clientId: cid() })).ok,
      ).toBe(true);
      await first;
      pairs.push({ a: a!, b: b!, onA, onB });
    }
    const senders = pairs.flatMap(({ a, b, onA, onB }) => [
      { from: a, to: b, socket: onA, peer: onB },
      { from: b, to: a, socket: onB, peer: onA },
    ]);

    // what each recipient heard, by sender
    const typingHeard = new Map<string, number>();
    const messagesHeard = new Map<string, number>();
    for (const s of senders) {
      s.peer.on('typing', (e: { userId: string }) => {
        if (e.userId === s.from.id) typingHeard.set(s.from.id, (typingHeard.get(s.from.id) ?? 0) + 1);
      });
      s.peer.on('message:new', (e: { message: { id: string; senderId?: string } }) => {
        messagesHeard.set(e.message.id, (messagesHeard.get(e.message.id) ?? 0) + 1);
      });
    }
    const typingSent = new Map<string, number>();
    const acked: string[] = [];
    const failedSends: unknown[] = [];
    // 12 senders × 25 typing/s = 300/s; 12 × 3.4 messages/s ≈ 40/s
    const timers = senders.flatMap((s, i) => {
      let on = false;
      const typing = setInterval(() => {
        on = !on;
        s.socket.emit('typing', { recipientId: s.to.id, typing: on });
        typingSent.set(s.from.id, (typingSent.get(s.from.id) ?? 0) + 1);
      }, 40);
      const sending: Array<Promise<void>> = [];
      const messages = setInterval(() => {
        sending.push(
          request(s.socket, 'message:send', { recipientId: s.to.id, text: `n${i}`, clientId: cid() }).then(
            (ack) => {
              if (ack.ok) acked.push(ack.message.id);
              else failedSends.push(ack);
            },
          ),
        );
      }, 300);
      return [{ typing, messages, sending }];
    });

    const stagesSeen: string[][] = [];
    for (const [via, to] of [
      [0, 'redis-sharded'],
      [1, 'redis-streams'],
      [2, 'redis'],
    ] as const) {
      const res = await setAdapter(urls[via]!, to);
      expect(res.status).toBe(200);
      stagesSeen.push([...(await settledOn(cluster, to))]);
    }

    for (const t of timers) {
      clearInterval(t.typing);
      clearInterval(t.messages);
    }
    await Promise.all(timers.flatMap((t) => t.sending));
    const sentTotal = [...typingSent.values()].reduce((a, b) => a + b, 0);
    await waitFor(
      'every typing event and acked message delivered',
      () => ({
        typing: [...typingHeard.values()].reduce((a, b) => a + b, 0),
        messages: acked.filter((id) => messagesHeard.has(id)).length,
      }),
      (n) => n.typing >= sentTotal && n.messages === acked.length,
      15_000,
    );
    // anything doubled would arrive within moments of its first copy
    await new Promise((r) => setTimeout(r, 500));

    expect(failedSends).toEqual([]);
    expect(sentTotal).toBeGreaterThan(1000);
    expect(acked.length).toBeGreaterThan(100);
    for (const s of senders) expect(typingHeard.get(s.from.id) ?? 0).toBe(typingSent.get(s.from.id));
    expect(acked.filter((id) => !messagesHeard.has(id))).toEqual([]);
    expect([...messagesHeard].filter(([, n]) => n > 1)).toEqual([]);
    // every move went through its dual stage, seen from health
    for (const stages of stagesSeen) expect(stages).toContain('dual');
    // shadow delivery of the last move, per instance and for the cluster
    const lines: string[] = [];
    expect(await verifyAdapter([...urls, '--token', TEST_ADMIN_TOKEN, '--json'], (l) => lines.push(l))).toBe(
      0,
    );
    const report = JSON.parse(lines.join('\n'));
    expect(report.instances).toHaveLength(3);
    expect(report.cluster.both).toBeGreaterThan(0);
    process.stdout.write(`shadow delivery of the last move: ${JSON.stringify(report.cluster)}\n`);
    expect(cluster.instances.map((i) => i.child.pid)).toEqual(pids);
    expect(cluster.instances.every((i) => i.child.exitCode === null)).toBe(true);
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
