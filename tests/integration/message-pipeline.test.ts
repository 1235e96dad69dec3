import { Types } from 'mongoose';
import { toAppError } from '../../backend/errors/to-app-error';
import { getConversationModel } from '../../backend/modules/messages/conversation-model';
import { APPLIED_IDS_MAX } from '../../backend/modules/messages/conversation-update';
import { getMessageModel } from '../../backend/modules/messages/message-model';
import { MessageService } from '../../backend/modules/messages/message-service';
import type { SendResult } from '../../backend/modules/messages/message-writer';
import { ActorProfiles } from '../../backend/modules/notifications/actor-profiles';
import { SyncService } from '../../backend/modules/sync/sync-service';
import { getUserModel } from '../../backend/modules/users/user-model';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { registerUser, type TestUser } from '../support/api-users';
import { holdFirst, interceptModelWrites, type WriteHooks } from '../support/intercept-writes';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
const sent = new RecordingNotifier();
beforeAll(async () => {
  t = await createTestApp();
  t.services.notifier.attach(sent);
});
afterAll(() => t.close());
beforeEach(() => sent.clear());

const COUNTED = new Set([
  'messages',
  'conversations',
  'users',
  'notifications',
  'notification_unread_counters',
]);

/** Driver commands on the hot path's collections, from the connection's command monitoring. */
function countCommands() {
  const seen: string[] = [];
  const client = t.services.mongo.getClient();
  const listener = (e: { commandName: string; databaseName: string; command: Record<string, unknown> }) => {
    const collection = e.command[e.commandName];
    if (e.databaseName === t.services.mongo.name && typeof collection === 'string' && COUNTED.has(collection))
      seen.push(`${e.commandName} ${collection}`);
  };
  client.on('commandStarted', listener);
  return {
    seen,
    stop: () => client.off('commandStarted', listener),
  };
}

/**
 * Another instance's message service on the same database, with its own write queue; faults
 * go in through its store: hooks on the write commands of its messages or conversations.
 */
function otherInstance(
  opts: {
    messageWrites?: WriteHooks;
    conversationWrites?: WriteHooks;
    queueMax?: number;
    notifier?: RecordingNotifier;
  } = {},
) {
  const users = getUserModel(t.services.mongo);
  const messages = getMessageModel(t.services.mongo);
  const conversations = getConversationModel(t.services.mongo);
  return new MessageService({
    messages: opts.messageWrites ? interceptModelWrites(messages, opts.messageWrites) : messages,
    conversations: opts.conversationWrites
      ? interceptModelWrites(conversations, opts.conversationWrites)
      : conversations,
    users,
    notifier: opts.notifier ?? new RecordingNotifier(),
    actors: new ActorProfiles({ users, max: 100, ttlMs: 60_000 }),
    metrics: t.services.metrics,
    settings: { ...t.services.config.messages, queueMax: opts.queueMax ?? 100 },
  });
}

const conversation = (id: string) =>
  t.services.mongo.collection('conversations').findOne({ _id: new Types.ObjectId(id) });
const unreadOf = async (conversationId: string, user: TestUser) =>
  ((await conversation(conversationId))?.unread?.[user.id] as number | undefined) ?? 0;
const send = (from: TestUser, to: TestUser, text: string, clientId?: string) =>
  t.services.messages.send(from.id, { recipientId: to.id, text, clientId });

describe('When a known pair sends messages one at a time', () => {
  it('then each costs one insert and one conversation update, and no read', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await send(alice, bob, 'warm-up'); // the pair's first message finds the recipient and the conversation
    const commands = countCommands();
    for (let i = 0; i < 3; i++) await send(alice, bob, `m${i}`);
    commands.stop();
    expect(commands.seen).toEqual([
      'insert messages',
      'update conversations',
      'insert messages',
      'update conversations',
      'insert messages',
      'update conversations',
    ]);
  });
});

describe('When many sends arrive at once', () => {
  it('then they are written in a few batches of one insert and one update, counts are exact and each sender keeps its order', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    const ab = (await send(alice, bob, 'warm')).message.conversationId;
    const cb = (await send(carol, bob, 'warm')).message.conversationId;
    await send(bob, alice, 'warm'); // every sender's name is known too
    sent.clear();
    const commands = countCommands();
    const batchesBefore = await batchCount();
    const sends: Array<Promise<SendResult>> = [];
    for (let i = 0; i < 20; i++) {
      sends.push(send(alice, bob, `a${i}`), send(carol, bob, `c${i}`), send(bob, alice, `b${i}`));
    }
    const results = await Promise.all(sends);
    commands.stop();
    expect(results.every((r) => r.created)).toBe(true);

    const inserts = commands.seen.filter((c) => c === 'insert messages').length;
    const updates = commands.seen.filter((c) => c === 'update conversations').length;
    const batches = (await batchCount()) - batchesBefore;
    // the first send finds the pipeline idle and goes alone; the rest queue behind it, and
    // the conversation updates of batches in flight together may land in one write
    expect(batches).toBeLessThanOrEqual(3);
    expect(inserts).toBe(batches);
    expect(updates).toBeGreaterThanOrEqual(1);
    expect(updates).toBeLessThanOrEqual(batches);
    expect(commands.seen).toHaveLength(inserts + updates);

    expect(await unreadOf(ab, bob)).toBe(21);
    expect(await unreadOf(ab, alice)).toBe(21);
    expect(await unreadOf(cb, bob)).toBe(21);
    expect((await conversation(ab))?.lastMessage.text).toBe('b19');
    expect((await conversation(cb))?.lastMessage.text).toBe('c19');

    const texts = (n: string) => Array.from({ length: 20 }, (_, i) => `${n}${i}`);
    const stored = await t.services.mongo
      .collection('messages')
      .find({ conversation: { $in: [new Types.ObjectId(ab), new Types.ObjectId(cb)] } })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    const storedBy = (u: TestUser) =>
      stored.filter((m) => m.sender.equals(u.id) && m.text !== 'warm').map((m) => m.text);
    expect(storedBy(alice)).toEqual(texts('a'));
    expect(storedBy(carol)).toEqual(texts('c'));
    expect(storedBy(bob)).toEqual(texts('b'));
    const deliveredTo = (u: TestUser, from: TestUser) =>
      sent
        .to(u.id, 'message:new')
        .map((e) => (e.payload as { message: { senderId: string; text: string } }).message)
        .filter((m) => m.senderId === from.id)
        .map((m) => m.text);
    expect(deliveredTo(bob, alice)).toEqual(texts('a'));
    expect(deliveredTo(bob, carol)).toEqual(texts('c'));
    expect(deliveredTo(alice, bob)).toEqual(texts('b'));
    expect(sent.to(bob.id, 'notification:new')).toHaveLength(40);
  });

  it('then one clientId inside a batch and again in a later batch is one message, emitted once, answered the same', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await send(alice, bob, 'warm');
    sent.clear();
    const [blocker, ...dupes] = await Promise.all([
      send(alice, bob, 'blocker'),
      send(alice, bob, 'same', 'dup-1'),
      send(alice, bob, 'same', 'dup-1'),
      send(alice, bob, 'same', 'dup-1'),
    ]);
    expect(blocker.created).toBe(true);
    expect(dupes.map((d) => d.created)).toEqual([true, false, false]);
    expect(new Set(dupes.map((d) => d.message.id)).size).toBe(1);
    const later = await send(alice, bob, 'same', 'dup-1');
    expect(later).toEqual({ message: dupes[0]!.message, created: false });
    expect(
      await t.services.mongo
        .collection('messages')
        .countDocuments({ sender: new Types.ObjectId(alice.id), clientId: 'dup-1' }),
    ).toBe(1);
    expect(await unreadOf(blocker.message.conversationId, bob)).toBe(3);
    const pushed = sent
      .to(bob.id, 'message:new')
      .map((e) => (e.payload as { message: { text: string } }).message.text);
    expect(pushed).toEqual(['blocker', 'same']);
  });

  it('then a clientId reused for another text in the same batch fails that send alone, CONFLICT', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await send(alice, bob, 'warm');
    const outcomes = await Promise.allSettled([
      send(alice, bob, 'blocker'),
      send(alice, bob, 'one', 'reuse-in-batch'),
      send(alice, bob, 'two', 'reuse-in-batch'),
      send(alice, bob, 'fine'),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = outcomes[2] as PromiseRejectedResult;
    expect(toAppError(refused.reason)).toMatchObject({ status: 409, code: 'CONFLICT' });
    const conversationId = (outcomes[0] as PromiseFulfilledResult<SendResult>).value.message.conversationId;
    expect(await unreadOf(conversationId, bob)).toBe(4);
  });
});

describe('When a conversation has more messages than its applied ids hold', () => {
  it('then the applied ids rotate and stay bounded, counts stay exact and a recent retry still changes nothing', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    let last: SendResult | undefined;
    for (let i = 0; i < APPLIED_IDS_MAX + 8; i++) last = await send(alice, bob, `r${i}`, `rot-${i}`);
    const conversationId = last!.message.conversationId;
    const doc = await conversation(conversationId);
    expect(doc?.appliedPrev?.length).toBeGreaterThanOrEqual(APPLIED_IDS_MAX);
    expect(doc?.applied?.length).toBeLessThan(APPLIED_IDS_MAX);
    expect(await unreadOf(conversationId, bob)).toBe(APPLIED_IDS_MAX + 8);
    const retry = await send(alice, bob, `r${APPLIED_IDS_MAX + 7}`, `rot-${APPLIED_IDS_MAX + 7}`);
    expect(retry).toEqual({ message: last!.message, created: false });
    expect(await unreadOf(conversationId, bob)).toBe(APPLIED_IDS_MAX + 8);
  });
});

describe('When the pipeline queue is full', () => {
  it('then a further send is refused UNAVAILABLE at once and counted, and the queued ones are written', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    await send(alice, bob, 'warm');
    const slots = t.services.config.messages.insertsInFlight;
    const hold = holdFirst(slots);
    const instance = otherInstance({ queueMax: 2, messageWrites: { before: hold.hook } });
    const rejectedBefore = (await t.services.metrics.messageRejections.get()).values[0]?.value ?? 0;
    const sendQ = (i: number) => instance.send(alice.id, { recipientId: bob.id, text: `q${i}` });
    const inFlight = Array.from({ length: slots }, (_, i) => sendQ(i));
    await hold.arrived;
    const queued = [slots, slots + 1].map((i) => sendQ(i));
    const refused = sendQ(slots + 2);
    await expect(refused).rejects.toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect((await t.services.metrics.messageRejections.get()).values[0]?.value).toBe(rejectedBefore + 1);
    hold.release();
    const written = await Promise.all([...inFlight, ...queued]);
    expect(written.map((r) => r.message.text)).toEqual(Array.from({ length: slots + 2 }, (_, i) => `q${i}`));
    expect(await unreadOf(written[0]!.message.conversationId, bob)).toBe(slots + 3);
  });
});

/** A hook that throws the first `n` times it runs. */
function failFirst(n: number, message: string) {
  let left = n;
  return () => {
    if (left-- > 0) throw new Error(message);
  };
}

/**
 * Alice and Bob with one message between them, then Alice's send of `text` on another instance
 * whose writes fail once as `faults` say: the send fails with a 500 (asserted here), its
 * message stored by `clientId`.
 */
async function sendFailingOnce(
  faults: Pick<NonNullable<Parameters<typeof otherInstance>[0]>, 'messageWrites' | 'conversationWrites'>,
  text: string,
  clientId: string,
) {
  const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
  const warm = await send(alice, bob, 'warm');
  const conversationId = warm.message.conversationId;
  sent.clear();
  const instanceSent = new RecordingNotifier();
  const faulty = otherInstance({ notifier: instanceSent, ...faults });
  const body = { recipientId: bob.id, text, clientId };
  const first = await faulty.send(alice.id, body).catch((err: unknown) => toAppError(err));
  expect(first).toMatchObject({ status: 500, code: 'INTERNAL' });
  const stored = await t.services.mongo
    .collection('messages')
    .findOne({ sender: new Types.ObjectId(alice.id), clientId });
  return { alice, bob, conversationId, instanceSent, faulty, body, stored };
}
type FailedSend = Awaited<ReturnType<typeof sendFailingOnce>>;

/**
 * The client's retry of that send lands on another instance (this app, over REST) and completes
 * it: created with the stored id, counted and notified once (asserted here).
 */
async function retryCompletes({ alice, bob, conversationId, body, stored }: FailedSend) {
  const retry = await t.http.post('/api/messages').set(alice.auth).send(body);
  expect(retry.status).toBe(201);
  expect(retry.body.message.id).toBe(stored?._id.toHexString());
  expect(await unreadOf(conversationId, bob)).toBe(2);
  expect((await conversation(conversationId))?.lastMessage.text).toBe(body.text);
  expect(sent.to(bob.id, 'message:new').map((e) => e.payload)).toEqual([{ message: retry.body.message }]);
  expect(sent.to(bob.id, 'notification:new')).toHaveLength(1);
  return retry;
}

describe('When the insert lands but its reply is lost', () => {
  it('then the send fails unannounced, and its retry with the same clientId completes the conversation update and emits once', async () => {
    const failed = await sendFailingOnce(
      { messageWrites: { after: failFirst(1, 'reply lost') } },
      'half done',
      'fault-1',
    );
    const { alice, bob, conversationId, instanceSent, faulty, body, stored } = failed;
    // stored, not applied, not emitted
    expect(stored?.text).toBe('half done');
    expect(await unreadOf(conversationId, bob)).toBe(1);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('warm');
    expect(instanceSent.emits).toEqual([]);

    // the client retries, and lands on another instance (this app, over REST)
    const retry = await retryCompletes(failed);

    // once complete, a further retry changes nothing and tells nobody
    const again = await faulty.send(alice.id, body);
    expect(again).toEqual({ message: retry.body.message, created: false });
    const viaRest = await t.http.post('/api/messages').set(alice.auth).send(body);
    expect(viaRest.status).toBe(200);
    expect(await unreadOf(conversationId, bob)).toBe(2);
    expect(sent.to(bob.id, 'message:new')).toHaveLength(1);
    expect(instanceSent.emits).toEqual([]);
  });
});

describe('When the conversation update fails after message:new went out', () => {
  it('then the send fails uncounted, and its retry completes the update, pushes the same message again and notifies once', async () => {
    const failed = await sendFailingOnce(
      { conversationWrites: { before: failFirst(1, 'conversation write lost') } },
      'pushed, not counted',
      'fault-2',
    );
    const { alice, bob, conversationId, instanceSent, faulty, body, stored } = failed;
    // stored and pushed (message:new goes out once stored), neither counted nor notified
    const pushed = instanceSent.to(bob.id, 'message:new').map((e) => e.payload);
    expect(pushed).toEqual([{ message: expect.objectContaining({ id: stored?._id.toHexString() }) }]);
    expect(await unreadOf(conversationId, bob)).toBe(1);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('warm');
    expect(instanceSent.to(bob.id, 'notification:new')).toEqual([]);

    // the retry on another instance completes it: pushed again with the same id, notified once
    const retry = await retryCompletes(failed);

    // once complete, a retry on the faulty instance changes nothing and tells nobody
    const again = await faulty.send(alice.id, body);
    expect(again).toEqual({ message: retry.body.message, created: false });
    expect(await unreadOf(conversationId, bob)).toBe(2);
    expect(instanceSent.to(bob.id, 'message:new')).toHaveLength(1);
    expect(instanceSent.to(bob.id, 'notification:new')).toEqual([]);
  });
});

describe('When the recipient marks the conversation seen between message:new and the conversation update', () => {
  it('then the late update does not count the seen message, and no notification:new is pushed for it', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const warm = await send(alice, bob, 'warm');
    const conversationId = warm.message.conversationId;
    const instanceSent = new RecordingNotifier();
    let pushedFirst: unknown[] = [];
    let races = 1;
    const racing = otherInstance({
      notifier: instanceSent,
      conversationWrites: {
        // bob's device got message:new and answers message:seen before the update lands
        before: async () => {
          if (races-- <= 0) return;
          pushedFirst = instanceSent.to(bob.id, 'message:new').map((e) => e.payload);
          await t.services.messages.markSeen(bob.id, conversationId);
        },
      },
    });
    const sentNow = await racing.send(alice.id, {
      recipientId: bob.id,
      text: 'seen at once',
      clientId: 'seen-1',
    });
    expect(pushedFirst).toEqual([{ message: sentNow.message }]);
    expect(await unreadOf(conversationId, bob)).toBe(0);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('seen at once');
    expect(instanceSent.to(bob.id, 'notification:new')).toEqual([]);

    // the next message is counted as usual, and notified
    await racing.send(alice.id, { recipientId: bob.id, text: 'after', clientId: 'seen-2' });
    expect(await unreadOf(conversationId, bob)).toBe(1);
    expect(instanceSent.to(bob.id, 'notification:new')).toHaveLength(1);
  });
});

describe('When a message commits after a sync read that returned a later one', () => {
  it('then the next sync from `until` returns it, where a cursor at the newest row would have skipped it', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    await send(alice, bob, 'warm');
    await send(carol, bob, 'warm');
    const since = new Date(Date.now() - 1);
    // instance A takes the time of its batch, then stalls before writing it
    const hold = holdFirst();
    const slow = otherInstance({ messageWrites: { before: hold.hook } });
    const late = slow.send(alice.id, { recipientId: bob.id, text: 'late' });
    await hold.arrived;
    const batchTime = Date.now();
    while (Date.now() <= batchTime) await new Promise((r) => setImmediate(r));
    // instance B commits a message with a later time
    const early = await send(carol, bob, 'early');

    const actors = new ActorProfiles({ users: getUserModel(t.services.mongo), max: 10, ttlMs: 60_000 });
    const sync = (settleMs: number) =>
      new SyncService({
        messages: t.services.messages,
        notifications: t.services.notifications,
        actors,
        settleMs,
      });
    const first = await t.services.sync.since(bob.id, since);
    const naive = await sync(0).since(bob.id, since);
    expect(first.messages.map((m) => m.text)).toEqual(['early']);
    expect(naive.messages.map((m) => m.text)).toEqual(['early']);

    hold.release();
    const { message } = await late;
    expect(Date.parse(message.createdAt)).toBeLessThan(Date.parse(early.message.createdAt));
    // resuming at the newest row returned (no settle window) misses it
    expect((await sync(0).since(bob.id, new Date(naive.until))).messages.map((m) => m.text)).toEqual([]);
    // resuming at the settled `until` does not; rows seen before may come again (dedupe by id)
    const next = await t.services.sync.since(bob.id, new Date(first.until));
    expect(next.messages.map((m) => m.text)).toContain('late');
    expect(next.notifications.filter((n) => n.messageId === message.id)).toEqual([
      expect.objectContaining({ kind: 'message', actor: expect.objectContaining({ id: alice.id }) }),
    ]);
  });
});

async function batchCount(): Promise<number> {
  const metric = await t.services.metrics.messageBatchSize.get();
  return metric.values.find((v) => v.metricName === 'message_batch_size_count')?.value ?? 0;
}

/** Records emits, and says when a user has been sent `count` of an event. */
class AwaitingNotifier extends RecordingNotifier {
  private waiters: Array<() => void> = [];
  override toUsersExceptSocket(
    userIds: readonly string[],
    exceptSocketId: string | undefined,
    event: string,
    payload: object,
  ): void {
    super.toUsersExceptSocket(userIds, exceptSocketId, event, payload);
    for (const wake of this.waiters.splice(0)) wake();
  }
  async received(userId: string, event: string, count: number): Promise<void> {
    while (this.to(userId, event).length < count) await new Promise<void>((r) => this.waiters.push(r));
  }
}

const textsTo = (n: RecordingNotifier, to: TestUser, from: TestUser) =>
  n
    .to(to.id, 'message:new')
    .map((e) => (e.payload as { message: { senderId: string; text: string } }).message)
    .filter((m) => m.senderId === from.id)
    .map((m) => m.text);

/**
 * An instance whose writes to messages (inserts) or conversations (updates) can be held, from
 * `hold()` on: the first is held until `gate.release()`, later ones pass; all are counted, and
 * `second` says when the second arrives at the store and when it is stored.
 */
function heldWrites(of: 'messageWrites' | 'conversationWrites') {
  const notifier = new AwaitingNotifier();
  const gate = holdFirst();
  let holding = false;
  let writes = 0;
  let arrived!: () => void;
  let stored!: () => void;
  const second = {
    arrived: new Promise<void>((r) => {
      arrived = r;
    }),
    stored: new Promise<void>((r) => {
      stored = r;
    }),
  };
  const instance = otherInstance({
    notifier,
    [of]: {
      before: () => {
        if (!holding) return;
        writes += 1;
        if (writes === 2) arrived();
        return gate.hook();
      },
      after: () => {
        if (writes >= 2) stored();
      },
    },
  });
  return {
    instance,
    notifier,
    gate,
    second,
    hold: () => {
      holding = true;
    },
    writes: () => writes,
  };
}

describe("When a batch's insert is slower than the next batch's", () => {
  it('then the next batch is inserted meanwhile, and its message:new waits for the slower one: pushes keep submit order', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const h = heldWrites('messageWrites');
    const send = (text: string) => h.instance.send(alice.id, { recipientId: bob.id, text });
    await send('warm');
    h.hold();
    const first = send('a0');
    await h.gate.arrived;
    const second = send('a1');
    await h.second.stored;

    // a1 is stored, a0's insert is still held: nothing of either is pushed yet
    const a1 = await t.services.mongo
      .collection('messages')
      .findOne({ sender: new Types.ObjectId(alice.id), text: 'a1' });
    expect(a1).not.toBeNull();
    expect(textsTo(h.notifier, bob, alice)).toEqual(['warm']);

    h.gate.release();
    const results = await Promise.all([first, second]);
    expect(results.map((r) => [r.message.text, r.created])).toEqual([
      ['a0', true],
      ['a1', true],
    ]);
    expect(textsTo(h.notifier, bob, alice)).toEqual(['warm', 'a0', 'a1']);
    expect(await unreadOf(results[0].message.conversationId, bob)).toBe(3);
  });
});

describe('When a send is repeated while its first attempt is still being inserted', () => {
  it('then the repeat is not inserted again: it waits for the first and is answered with the same message, created false', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const h = heldWrites('messageWrites');
    const send = (text: string, clientId: string) =>
      h.instance.send(alice.id, { recipientId: bob.id, text, clientId });
    await send('warm', 'warm');
    h.hold();
    const first = send('same', 'retry-1');
    await h.gate.arrived;
    const repeat = send('same', 'retry-1');
    // a later send's insert shows the repeat reached the writer before it, in submit order
    const after = send('after', 'after-1');
    await h.second.arrived;
    h.gate.release();

    const [a, b, c] = await Promise.all([first, repeat, after]);
    expect(a.created).toBe(true);
    expect(b).toEqual({ message: a.message, created: false });
    expect(c.created).toBe(true);
    expect(h.writes()).toBe(2);
    expect(textsTo(h.notifier, bob, alice)).toEqual(['warm', 'same', 'after']);
    expect(await unreadOf(a.message.conversationId, bob)).toBe(3);
  });
});

describe("When a batch's conversation update is still being written", () => {
  it('then later batches are inserted and pushed meanwhile, each send is acked once its own update lands, and their updates land together with exact counts', async () => {
    const [alice, bob, carol] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    const h = heldWrites('conversationWrites');
    const send = (from: TestUser, text: string) => h.instance.send(from.id, { recipientId: bob.id, text });
    const ab = (await send(alice, 'warm')).message.conversationId;
    const cb = (await send(carol, 'warm')).message.conversationId;
    h.hold();
    const acked: string[] = [];
    const tracked = (from: TestUser, text: string) =>
      send(from, text).then((r) => {
        acked.push(text);
        return r;
      });
    const first = tracked(alice, 'a0');
    await h.gate.arrived;
    const later = [tracked(alice, 'a1'), tracked(carol, 'c0'), tracked(alice, 'a2')];
    await h.notifier.received(bob.id, 'message:new', 2 + 4);

    // pushed in each sender's order while the first update is held; nothing acked yet
    expect(textsTo(h.notifier, bob, alice)).toEqual(['warm', 'a0', 'a1', 'a2']);
    expect(textsTo(h.notifier, bob, carol)).toEqual(['warm', 'c0']);
    expect(acked).toEqual([]);
    expect(h.writes()).toBe(1);

    h.gate.release();
    const results = await Promise.all([first, ...later]);
    expect(results.every((r) => r.created)).toBe(true);
    expect(acked).toContain('a0');
    // the three owed behind the held one land in one more write
    expect(h.writes()).toBe(2);
    expect(await unreadOf(ab, bob)).toBe(4);
    expect(await unreadOf(cb, bob)).toBe(2);
    expect((await conversation(ab))?.lastMessage.text).toBe('a2');
    expect(h.notifier.to(bob.id, 'notification:new')).toHaveLength(2 + 4);
  });

  it('then a retry of a send whose update is still owed waits for it, is answered created false, and is pushed and counted once', async () => {
    const [alice, bob] = await Promise.all([registerUser(t.http), registerUser(t.http)]);
    const h = heldWrites('conversationWrites');
    const send = (text: string, clientId?: string) =>
      h.instance.send(alice.id, { recipientId: bob.id, text, clientId });
    const ab = (await send('warm')).message.conversationId;
    h.hold();
    const first = send('once', 'retry-1');
    await h.gate.arrived;
    let retryAnswered = false;
    const retry = send('once', 'retry-1').then((r) => {
      retryAnswered = true;
      return r;
    });
    // a later send is inserted and pushed behind it, so the retry's batch has been written too
    const behind = send('behind');
    await h.notifier.received(bob.id, 'message:new', 3);
    expect(retryAnswered).toBe(false);

    h.gate.release();
    const [a, b] = await Promise.all([first, retry, behind]);
    expect(a.created).toBe(true);
    expect(b).toEqual({ message: a.message, created: false });
    expect(textsTo(h.notifier, bob, alice)).toEqual(['warm', 'once', 'behind']);
    expect(await unreadOf(ab, bob)).toBe(3);
    expect(h.notifier.to(bob.id, 'notification:new')).toHaveLength(3);
  });
});
