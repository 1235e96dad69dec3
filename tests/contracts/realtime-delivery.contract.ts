import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import supertest from 'supertest';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { type ClientSocket, nextEvent, record, request, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

export type RedisAdapterName = 'redis' | 'redis-sharded' | 'redis-streams';

const is = (user: TestUser, online: boolean) => (c: Change) => c.userId === user.id && c.online === online;

interface Change {
  userId: string;
  online: boolean;
}

interface Pushed {
  message: { id: string; text: string; conversationId: string };
}

let uniq = 0;
const cid = () => `m${++uniq}-${Date.now()}`;

/** What an installed feature's delivery cases get: the two instances, socket clients, fresh users. */
export interface DeliveryKit {
  /** the instances' URLs, once the cluster has started */
  urls(): { A: string; B: string };
  clients: SocketClients;
  users<N extends 2 | 3>(n: N): Promise<N extends 2 ? [TestUser, TestUser] : [TestUser, TestUser, TestUser]>;
}

/**
 * Installed features' cases run on the same instances: each `<feature>-delivery.cases.ts`
 * beside this file exports `deliveryCases(kit)`, which registers its `it`s. Removing a feature
 * removes its file, so the contract names no feature.
 */
function featureCases(kit: DeliveryKit): void {
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('-delivery.cases.ts'))
    .sort()) {
    const cases = require(join(__dirname, file)) as { deliveryCases(kit: DeliveryKit): void };
    cases.deliveryCases(kit);
  }
}

/**
 * One suite, run against every Redis adapter (the socket.io-redis-adapter test-runner
 * pattern): two real instances, and every event crossing from one to the other. `redisEnv`
 * picks the Redis they share (read in beforeAll): the test Redis by default, or a Redis
 * Cluster (`REDIS_URL: ''`, `REDIS_CLUSTER_NODES`).
 */
export function realtimeDeliveryContract(
  adapter: RedisAdapterName,
  redisEnv: () => Record<string, string> = () => ({}),
): void {
  let cluster: Cluster;
  let A: string;
  let B: string;
  const clients = new SocketClients(() => A);
  const api = () => supertest(A);

  beforeAll(async () => {
    cluster = await startCluster(2, {
      ...redisEnv(),
      SOCKET_ADAPTER: adapter,
      PRESENCE_MODE: 'redis',
      PRESENCE_GRACE_MS: '300',
    });
    A = cluster.instances[0]!.url;
    B = cluster.instances[1]!.url;
  }, 60_000);
  afterAll(async () => {
    clients.closeAll();
    await cluster?.stop();
  });

  async function users<N extends 2 | 3>(
    n: N,
  ): Promise<N extends 2 ? [TestUser, TestUser] : [TestUser, TestUser, TestUser]> {
    const list = await Promise.all(Array.from({ length: n }, () => registerUser(api())));
    return list as N extends 2 ? [TestUser, TestUser] : [TestUser, TestUser, TestUser];
  }

  /** A fan on A who follows a star and a marker, recording every presence change it hears. */
  async function fanWatchingOnA() {
    const [fan, star, marker] = await users(3);
    await api().put(`/api/users/${star.id}/follow`).set(fan.auth).expect(200);
    await api().put(`/api/users/${marker.id}/follow`).set(fan.auth).expect(200);
    const fanOnA = await clients.connect(fan.token, { url: A });
    return { star, marker, fanOnA, heard: record<Change>(fanOnA, 'presence:changed') };
  }

  it('then /health on each instance reports the adapter in force', async () => {
    for (const url of [A, B]) {
      // the adapter's clients connect beside the start (a Cluster's after its slot map), so on
      // a loaded machine the first answer may still say fail; it must turn ok without help
      const health = await waitFor(
        'the adapter connected',
        () => requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN }),
        (r) => r.body.checks?.socket?.status === 'ok',
      );
      expect(health.body.checks.socket).toEqual(expect.objectContaining({ status: 'ok', adapter }));
    }
  });

  it('then a message sent on A reaches the recipient and the sender’s other device on B, and a REST send on B reaches A', async () => {
    const [alice, bob] = await users(2);
    const aliceOnA = await clients.connect(alice.token, { url: A });
    const aliceOnB = await clients.connect(alice.token, { url: B });
    const bobOnB = await clients.connect(bob.token, { url: B });
    const toBob = nextEvent<Pushed>(bobOnB, 'message:new');
    const toAliceB = nextEvent<Pushed>(aliceOnB, 'message:new');
    const ack = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'across',
      clientId: cid(),
    });
    expect(ack.ok).toBe(true);
    expect(await toBob).toEqual({ message: ack.message });
    expect(await toAliceB).toEqual({ message: ack.message });

    const toAliceA = nextEvent<Pushed>(aliceOnA, 'message:new');
    const rest = await requestJson(`${B}/api/messages`, {
      token: bob.token,
      body: { recipientId: alice.id, text: 'back' },
    });
    expect(rest.status).toBe(201);
    expect((await toAliceA).message).toEqual(rest.body.message);
  });

  it('then a rename on A shows on B: the next message notification B pushes carries the new name', async () => {
    const [alice, bob] = await users(2);
    const aliceOnB = await clients.connect(alice.token, { url: B });
    const bobOnB = await clients.connect(bob.token, { url: B });
    // B keeps senders' names per instance (no read per message): only A's notice can update it
    const nameBobSees = async () => {
      const pushed = nextEvent<{ notification: { actor: { name: string } } }>(bobOnB, 'notification:new');
      const ack = await request(aliceOnB, 'message:send', {
        recipientId: bob.id,
        text: 'me?',
        clientId: cid(),
      });
      expect(ack.ok).toBe(true);
      return (await pushed).notification.actor.name;
    };
    const before = await nameBobSees();
    await api().patch('/api/users/me').set(alice.auth).send({ name: 'Renamed on A' }).expect(200);
    expect(before).not.toBe('Renamed on A');
    // the notice crosses the adapter after the PATCH answers: wait for it, by sending again
    expect(await waitFor('B to learn the rename', nameBobSees, (name) => name === 'Renamed on A')).toBe(
      'Renamed on A',
    );
  });

  it('then seen on B reaches the sender on A', async () => {
    const [alice, bob] = await users(2);
    const aliceOnA = await clients.connect(alice.token, { url: A });
    const bobOnB = await clients.connect(bob.token, { url: B });
    const ack = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'see me',
      clientId: cid(),
    });
    const seen = nextEvent(aliceOnA, 'message:seen');
    expect(await request(bobOnB, 'message:seen', { conversationId: ack.message.conversationId })).toEqual({
      ok: true,
    });
    expect(await seen).toEqual({
      conversationId: ack.message.conversationId,
      by: bob.id,
      at: expect.any(String),
    });
  });

  it('then typing on A reaches the recipient on B', async () => {
    const [alice, bob] = await users(2);
    // typing reaches conversation partners only (docs/realtime.md): the first message makes them partners
    await api()
      .post('/api/messages')
      .set(alice.auth)
      .send({ recipientId: bob.id, text: 'hi', clientId: 'typing-1' })
      .expect(201);
    const aliceOnA = await clients.connect(alice.token, { url: A });
    const bobOnB = await clients.connect(bob.token, { url: B });
    const typing = nextEvent(bobOnB, 'typing');
    aliceOnA.emit('typing', { recipientId: bob.id, typing: true });
    expect(await typing).toEqual({ userId: alice.id, typing: true });
  });

  it('then a follow through A notifies the followed user on B', async () => {
    const [alice, bob] = await users(2);
    const bobOnB = await clients.connect(bob.token, { url: B });
    const note = nextEvent<{ notification: { kind: string; actor: { id: string } } }>(
      bobOnB,
      'notification:new',
    );
    await api().put(`/api/users/${bob.id}/follow`).set(alice.auth).expect(200);
    expect((await note).notification).toEqual(
      expect.objectContaining({ kind: 'follow', actor: expect.objectContaining({ id: alice.id }) }),
    );
  });

  it('then presence changes cross instances: online at the first device anywhere, offline after the last', async () => {
    const { star, marker, fanOnA, heard } = await fanWatchingOnA();

    const online = nextEvent<Change>(fanOnA, 'presence:changed', { where: is(star, true) });
    const starOnB = await clients.connect(star.token, { url: B });
    await online;
    const answer = await request(fanOnA, 'presence:query', { userIds: [star.id] });
    expect(answer.online[star.id]).toBe(true);

    // a second device on the other instance is not a first device: no second "online"
    const starOnA = await clients.connect(star.token, { url: A });
    const markerOn = nextEvent<Change>(fanOnA, 'presence:changed', { where: is(marker, true) });
    await clients.connect(marker.token, { url: B });
    await markerOn;
    expect(heard).toEqual([
      { userId: star.id, online: true },
      { userId: marker.id, online: true },
    ]);

    const offline = nextEvent<Change>(fanOnA, 'presence:changed', {
      where: is(star, false),
      timeoutMs: 5000,
    });
    starOnB.disconnect();
    starOnA.disconnect();
    await offline;
    expect(heard.filter((c) => c.userId === star.id)).toEqual([
      { userId: star.id, online: true },
      { userId: star.id, online: false },
    ]);
  });

  it('then first devices on both instances at once make one "online", and last devices at once one "offline"', async () => {
    const { star, marker, fanOnA, heard } = await fanWatchingOnA();

    const online = nextEvent<Change>(fanOnA, 'presence:changed', { where: is(star, true) });
    const devices = await Promise.all([
      clients.connect(star.token, { url: A }),
      clients.connect(star.token, { url: B }),
    ]);
    await online;
    const offline = nextEvent<Change>(fanOnA, 'presence:changed', {
      where: is(star, false),
      timeoutMs: 5000,
    });
    for (const d of devices) d.disconnect();
    await offline;
    // the marker's change comes after any duplicate would have
    const markerOn = nextEvent<Change>(fanOnA, 'presence:changed', { where: is(marker, true) });
    const markerOnB = await clients.connect(marker.token, { url: B });
    await markerOn;
    const markerOff = nextEvent<Change>(fanOnA, 'presence:changed', {
      where: is(marker, false),
      timeoutMs: 5000,
    });
    markerOnB.disconnect();
    await markerOff;
    expect(heard).toEqual([
      { userId: star.id, online: true },
      { userId: star.id, online: false },
      { userId: marker.id, online: true },
      { userId: marker.id, online: false },
    ]);
  });

  featureCases({
    urls: () => ({ A, B }),
    clients,
    users,
  });
}

export type { ClientSocket };
