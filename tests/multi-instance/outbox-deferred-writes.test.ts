import mongoose from 'mongoose';
import supertest from 'supertest';
import { encodeEntry } from '../../backend/features/outbox/outbox-journal';
import { closeRedis, type RedisClient } from '../../backend/infra/redis';
import type { MessageSummary } from '../../backend/modules/messages/conversation-update';
import { registerUser, type TestUser } from '../support/api-users';
import { type Cluster, startCluster } from '../support/cluster';
import { failFastClient } from '../support/presence-stores';
import { scrapeMetric } from '../support/scrape-metrics';
import { nextEvent, request, SocketClients } from '../support/socket-clients';
import { waitFor } from '../support/wait-for';

let cluster: Cluster;
let A: string;
let B: string;
let redis: RedisClient;
const clients = new SocketClients(() => A);

beforeAll(async () => {
  cluster = await startCluster(2, {
    SOCKET_ADAPTER: 'redis',
    PRESENCE_MODE: 'redis',
    MESSAGE_CONVERSATION_WRITES: 'deferred',
    // through the outbox even one message at a time (by default a lone send on an idle
    // instance applies before its ack)
    MESSAGE_LANE_MIN_BATCH: '1',
    // peers adopt a dead instance's journal on the reaper's beat
    PRESENCE_REAP_INTERVAL_MS: '200',
  });
  A = cluster.instances[0]!.url;
  B = cluster.instances[1]!.url;
  redis = await failFastClient(cluster.redisUrl);
}, 60_000);
afterAll(async () => {
  clients.closeAll();
  await cluster?.stop();
  await closeRedis(redis);
});

const unreadOn = async (url: string, user: TestUser, conversationId: string) => {
  const res = await supertest(url).get('/api/conversations').set(user.auth).expect(200);
  return (res.body.conversations as Array<{ id: string; unreadCount: number }>).find(
    (c) => c.id === conversationId,
  )?.unreadCount;
};

async function exchange() {
  const [alice, bob] = await Promise.all([registerUser(supertest(A)), registerUser(supertest(A))]);
  const aliceOnA = await clients.connect(alice.token, { url: A });
  const bobOnB = await clients.connect(bob.token, { url: B });
  return { alice, bob, aliceOnA, bobOnB };
}

describe('When conversation writes are deferred on real instances and a message crosses them', () => {
  it('then the recipient gets message:new, then notification:new once the unread count has it', async () => {
    const { bob, aliceOnA, bobOnB } = await exchange();
    const pushed = nextEvent<{ message: { id: string; conversationId: string } }>(bobOnB, 'message:new');
    const told = nextEvent<{ notification: { messageId: string } }>(bobOnB, 'notification:new');
    const ack = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'deferred',
      clientId: 'd1',
    });
    expect(ack.ok).toBe(true);
    const { message } = await pushed;
    expect(message.id).toBe(ack.message.id);
    expect((await told).notification.messageId).toBe(message.id);
    // notification:new means counted: read on the other instance, right after it
    expect(await unreadOn(B, bob, message.conversationId)).toBe(1);
    // and it was the outbox that counted it, after the ack
    expect(await scrapeMetric(A, 'message_lane_applied_total')).toBeGreaterThanOrEqual(1);

    // seen, then nothing owed moves the count back up
    const seen = await request(bobOnB, 'message:seen', { conversationId: message.conversationId });
    expect(seen.ok).toBe(true);
    expect(await unreadOn(A, bob, message.conversationId)).toBe(0);
  });
});

describe('When an instance died owing a conversation update (its journal left in Redis, no heartbeat)', () => {
  it('then a live instance adopts the journal, applies the update and tells the recipient', async () => {
    const { alice, bob, aliceOnA, bobOnB } = await exchange();
    const first = await request(aliceOnA, 'message:send', {
      recipientId: bob.id,
      text: 'before',
      clientId: 'g0',
    });
    const conversationId = first.message.conversationId as string;
    await waitFor(
      'the first message counted',
      () => unreadOn(B, bob, conversationId),
      (n) => n === 1,
    );

    // what a SIGKILLed instance leaves: its message stored and acked, its update journaled
    const db = mongoose.createConnection(cluster.mongoUrl);
    const id = new mongoose.Types.ObjectId();
    const createdAt = new Date();
    try {
      await db.asPromise();
      await db.collection('messages').insertOne({
        _id: id,
        conversation: new mongoose.Types.ObjectId(conversationId),
        sender: new mongoose.Types.ObjectId(alice.id),
        recipient: new mongoose.Types.ObjectId(bob.id),
        text: 'from a dead instance',
        clientId: 'ghost-1',
        createdAt,
      });
    } finally {
      await db.close();
    }
    const entry: MessageSummary = {
      conversation: conversationId,
      id: id.toHexString(),
      sender: alice.id,
      recipient: bob.id,
      createdAt: createdAt.getTime(),
      preview: 'from a dead instance',
    };
    const prefix = cluster.env.REDIS_KEY_PREFIX!;
    const told = nextEvent<{ notification: { messageId: string } }>(bobOnB, 'notification:new', {
      where: (p) => p.notification.messageId === entry.id,
    });
    await redis
      .multi()
      .zadd(`${prefix}{lane}:ghost`, entry.createdAt, encodeEntry(entry))
      .sadd(`${prefix}{lane}`, 'ghost')
      .exec();

    await told;
    expect(await unreadOn(A, bob, conversationId)).toBe(2);
    const list = await supertest(B).get('/api/conversations').set(bob.auth).expect(200);
    expect(
      list.body.conversations.find((c: { id: string }) => c.id === conversationId).lastMessage.text,
    ).toBe('from a dead instance');
    expect(await redis.exists(`${prefix}{lane}:ghost`)).toBe(0);
    expect(await redis.sismember(`${prefix}{lane}`, 'ghost')).toBe(0);
  });
});
