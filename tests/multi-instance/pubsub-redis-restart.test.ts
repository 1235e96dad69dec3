import mongoose from 'mongoose';
import supertest from 'supertest';
import type { ChildService } from '../../scripts/databases/child-service';
import { freePort } from '../../scripts/databases/free-port';
import { startRedisServer } from '../../scripts/databases/redis-server';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { requestJson } from '../support/http-json';
import { nextEvent, record, request, SocketClients } from '../support/socket-clients';
import { TEST_ADMIN_TOKEN } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let redisPort: number;
let redis: ChildService | undefined;
let cluster: Cluster;
let A: string;
let B: string;
const clients = new SocketClients(() => A);

beforeAll(async () => {
  redisPort = await freePort();
  redis = await startRedisServer({ port: redisPort });
  cluster = await startCluster(2, { REDIS_URL: redis.url, SOCKET_ADAPTER: 'redis' });
  A = cluster.instances[0]!.url;
  B = cluster.instances[1]!.url;
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
  await redis?.stop();
});

interface Pushed {
  message: { id: string; text: string };
}

/** /health is the only signal of the adapter's Redis link: poll it, with a deadline. */
async function untilSocketCheck(url: string, status: 'ok' | 'fail'): Promise<void> {
  await waitFor(
    `${url} socket check ${status}`,
    () => requestJson(`${url}/health`, { token: TEST_ADMIN_TOKEN }),
    (res) => res.body.checks.socket.status === status,
    15_000,
  );
}

describe('When Redis restarts under the pub/sub adapter during a message stream', () => {
  it('then every acknowledged message is stored and reaches the recipient through sync after reconnect', async () => {
    const [alice, bob]: TestUser[] = await Promise.all([
      registerUser(supertest(A)),
      registerUser(supertest(A)),
    ]);
    const since = new Date(Date.now() - 1000).toISOString();
    const aliceOnA = await clients.connect(alice!.token, { url: A });
    const bobOnB = await clients.connect(bob!.token, { url: B });
    const live = record<Pushed>(bobOnB, 'message:new');
    const acked: string[] = [];
    const send = async (i: number) => {
      const ack = await request(aliceOnA, 'message:send', {
        recipientId: bob!.id,
        text: `n${i}`,
        clientId: `s${i}`,
      });
      expect(ack.ok).toBe(true);
      acked.push(ack.message.id);
    };

    for (let i = 0; i < 10; i++) await send(i);
    await redis!.stop();
    await untilSocketCheck(A, 'fail');
    for (let i = 10; i < 20; i++) await send(i);
    redis = await startRedisServer({ port: redisPort });
    for (let i = 20; i < 30; i++) await send(i);
    await Promise.all([untilSocketCheck(A, 'ok'), untilSocketCheck(B, 'ok')]);

    expect(acked).toHaveLength(30);
    const db = mongoose.createConnection(cluster.mongoUrl);
    try {
      await db.asPromise();
      const ids = acked.map((id) => new mongoose.Types.ObjectId(id));
      expect(await db.collection('messages').countDocuments({ _id: { $in: ids } })).toBe(30);
    } finally {
      await db.close();
    }

    // the recipient's client reconnects (to the other instance, as after a reload) and syncs
    bobOnB.disconnect();
    const back = await clients.connect(bob!.token, { url: A });
    const synced = await request(back, 'sync', { since });
    expect(synced.ok).toBe(true);
    expect(synced.messages.map((m: { id: string }) => m.id)).toEqual(acked);
    // some were pushed live before the restart; the outage is what sync is for
    expect(live.length).toBeGreaterThanOrEqual(10);

    // and pub/sub works again across instances once the subscriber is back
    const bobOnB2 = await clients.connect(bob!.token, { url: B });
    let delivered = false;
    for (let attempt = 0; attempt < 20 && !delivered; attempt++) {
      const got = nextEvent<Pushed>(bobOnB2, 'message:new', { timeoutMs: 500 }).then(
        () => true,
        () => false,
      );
      await request(aliceOnA, 'message:send', {
        recipientId: bob!.id,
        text: 'after',
        clientId: `after${attempt}`,
      });
      delivered = await got;
    }
    expect(delivered).toBe(true);
  }, 90_000);
});
