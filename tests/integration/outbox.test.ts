import { Types } from 'mongoose';
import { Registry } from 'prom-client';
import { Outbox, type OutboxDeps } from '../../backend/features/outbox/outbox';
import { outboxMetrics } from '../../backend/features/outbox/outbox-feature';
import type { OutboxJournal } from '../../backend/features/outbox/outbox-journal';
import { RedisOutboxJournal } from '../../backend/features/outbox/redis-outbox-journal';
import { closeRedis, createRedisClient, type RedisClient } from '../../backend/infra/redis';
import { RedisGuard } from '../../backend/infra/redis-guard';
import { getConversationModel } from '../../backend/modules/messages/conversation-model';
import { getMessageModel } from '../../backend/modules/messages/message-model';
import { MessageService } from '../../backend/modules/messages/message-service';
import { ActorProfiles } from '../../backend/modules/notifications/actor-profiles';
import { getUserModel } from '../../backend/modules/users/user-model';
import { RecordingNotifier } from '../../backend/ports/recording-notifier';
import { freePort } from '../../scripts/databases/free-port';
import { registerUser, type TestUser } from '../support/api-users';
import { interceptWrites, type WriteHooks } from '../support/intercept-writes';
import { failFastClient, freshPrefix, silentLogger } from '../support/presence-stores';
import { createTestApp, type TestApp } from '../support/test-app';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

let t: TestApp;
let redis: RedisClient;
let guard: RedisGuard;
const stops: Array<() => unknown> = [];
beforeAll(async () => {
  t = await createTestApp();
  redis = await failFastClient(testRedisUrl());
  guard = new RedisGuard(redis, { logger: silentLogger });
});
afterAll(async () => {
  for (const stop of stops) await stop();
  guard.stop();
  await closeRedis(redis);
  await t.close();
});

/** A gate the outbox's writes wait at until it is opened; every later one then passes. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const opened = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  opened.catch(() => {});
  let reached!: () => void;
  const arrived = new Promise<void>((r) => {
    reached = r;
  });
  return {
    arrived,
    open,
    fail,
    wait: async () => {
      reached();
      await opened;
    },
  };
}

interface Instance {
  service: MessageService;
  outbox: Outbox;
  notifier: RecordingNotifier;
  journal: OutboxJournal;
  /** what the flag messages.conversationWrites says on this instance */
  mode: { value: 'inline' | 'deferred' };
  /** the write queue and the outbox both idle */
  drained(): Promise<void>;
  /** batches the outbox refused (message_lane_fallbacks_total) */
  fallbacks(): Promise<number>;
}

/**
 * One instance's message service on the shared database with an outbox journaled in Redis
 * under `prefix`. Faults go in through the outbox's store: hooks on its conversation writes.
 */
function instance(
  owner: string,
  prefix: string,
  opts: {
    outbox?: Partial<Pick<OutboxDeps, 'minBatch' | 'chunk' | 'maxPending' | 'writeMs'>>;
    outboxWrites?: WriteHooks;
    journalGuard?: RedisGuard;
  } = {},
): Instance {
  const users = getUserModel(t.services.mongo);
  const conversations = getConversationModel(t.services.mongo);
  const notifier = new RecordingNotifier();
  const journal = new RedisOutboxJournal({ guard: opts.journalGuard ?? guard, prefix, owner });
  const mode = { value: 'deferred' as 'inline' | 'deferred' };
  const registry = new Registry();
  const outbox = new Outbox({
    conversations: opts.outboxWrites
      ? interceptWrites(conversations.collection, opts.outboxWrites)
      : conversations.collection,
    journal,
    enabled: () => mode.value === 'deferred',
    chunk: 3,
    writeMs: 5,
    share: 0.25,
    maxPending: 10_000,
    // every send through the outbox, even one at a time on an idle instance
    minBatch: 1,
    logger: silentLogger,
    metrics: outboxMetrics(registry),
    ...opts.outbox,
  });
  const service = new MessageService({
    messages: getMessageModel(t.services.mongo),
    conversations,
    users,
    notifier,
    actors: new ActorProfiles({ users, max: 100, ttlMs: 60_000 }),
    metrics: t.services.metrics,
    settings: t.services.config.messages,
    outbox,
  });
  stops.push(() => outbox.stop());
  return {
    service,
    outbox,
    notifier,
    journal,
    mode,
    drained: async () => {
      await service.drained();
      await outbox.drained();
    },
    fallbacks: async () => {
      const metric = await registry.getSingleMetric('message_lane_fallbacks_total')?.get();
      return metric?.values[0]?.value ?? 0;
    },
  };
}

const conversation = (id: string) =>
  t.services.mongo.collection('conversations').findOne({ _id: new Types.ObjectId(id) });
const unreadOf = async (conversationId: string, user: TestUser) =>
  ((await conversation(conversationId))?.unread?.[user.id] as number | undefined) ?? 0;
const notified = (i: Instance, user: TestUser) =>
  i.notifier
    .to(user.id, 'notification:new')
    .map((e) => (e.payload as { notification: { messageId: string } }).notification.messageId);

async function pair() {
  return Promise.all([registerUser(t.http), registerUser(t.http)]);
}

describe('When conversation writes are deferred and a known pair sends', () => {
  it('then the ack needs only the insert and the journal, and the outbox then moves the count and tells the recipient', async () => {
    const a = instance('a', freshPrefix());
    const [alice, bob] = await pair();
    const warm = await a.service.send(alice.id, { recipientId: bob.id, text: 'warm' });
    await a.drained();
    const conversationId = warm.message.conversationId;

    const held = gate();
    const b = instance('b', freshPrefix(), { outboxWrites: { before: held.wait } });
    const acked = await b.service.send(alice.id, { recipientId: bob.id, text: 'deferred' });
    // acked and pushed, journaled, not yet counted
    expect(acked.created).toBe(true);
    expect(b.notifier.to(bob.id, 'message:new')).toHaveLength(1);
    expect((await b.journal.own()).map((e) => e.id)).toEqual([acked.message.id]);
    await held.arrived;
    expect(await unreadOf(conversationId, bob)).toBe(1);
    expect(notified(b, bob)).toEqual([]);

    held.open();
    await b.drained();
    expect(await unreadOf(conversationId, bob)).toBe(2);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('deferred');
    expect(notified(b, bob)).toEqual([acked.message.id]);
    expect(await b.journal.own()).toEqual([]);
  });

  it('then many sends over many conversations end with every count exact and each message applied once', async () => {
    const a = instance('a', freshPrefix());
    const pairs = await Promise.all(Array.from({ length: 6 }, () => pair()));
    const sends = pairs.flatMap(([from, to], p) =>
      Array.from({ length: 15 }, (_, i) =>
        a.service.send(from.id, { recipientId: to.id, text: `p${p} m${i}`, clientId: `p${p}-${i}` }),
      ),
    );
    const results = await Promise.all(sends);
    await a.drained();
    expect(await a.journal.own()).toEqual([]);
    for (const [p, [from, to]] of pairs.entries()) {
      const mine = results.filter((r) => r.message.senderId === from.id);
      const c = await conversation(mine[0]!.message.conversationId);
      expect(c?.unread?.[to.id]).toBe(15);
      expect(c?.lastMessage.text).toBe(`p${p} m14`);
      const ledger = [...(c?.applied ?? []), ...(c?.appliedPrev ?? [])].map((id: Types.ObjectId) =>
        id.toHexString(),
      );
      expect(new Set(ledger).size).toBe(ledger.length);
      expect(ledger.sort()).toEqual(mine.map((r) => r.message.id).sort());
      expect(notified(a, to).sort()).toEqual(mine.map((r) => r.message.id).sort());
    }
  });
});

describe('When the store takes longer per conversation than MESSAGE_LANE_WRITE_MS allows', () => {
  /** Six conversations owed at once; returns the outbox's write commands, in order. */
  async function writesFor(writeMs: number): Promise<string[]> {
    const commands: string[] = [];
    const held = gate();
    const a = instance('a', freshPrefix(), {
      outbox: { chunk: 3, writeMs },
      outboxWrites: {
        before: async (command) => {
          commands.push(command);
          if (commands.length === 1) await held.wait();
          // a slow store: every conversation write takes at least this long
          await new Promise((r) => setTimeout(r, 15));
        },
      },
    });
    const pairs = await Promise.all(Array.from({ length: 6 }, () => pair()));
    // the first write is held while the other five conversations become owed
    const first = a.service.send(pairs[0]![0].id, {
      recipientId: pairs[0]![1].id,
      text: 'first',
      clientId: 'w0',
    });
    await held.arrived;
    await Promise.all([
      first,
      ...pairs
        .slice(1)
        .map(([from, to], p) =>
          a.service.send(from.id, { recipientId: to.id, text: `p${p}`, clientId: `w${p + 1}` }),
        ),
    ]);
    held.open();
    await a.drained();
    for (const [from, to] of pairs) {
      const c = await t.services.mongo
        .collection('conversations')
        .findOne({ participants: { $all: [new Types.ObjectId(from.id), new Types.ObjectId(to.id)] } });
      expect(c?.unread?.[to.id]).toBe(1);
    }
    return commands;
  }

  it('then each write takes one conversation, so an insert waits behind one short write', async () => {
    const commands = await writesFor(5);
    expect(commands.length).toBe(6);
    expect(commands.every((c) => c === 'updateOne')).toBe(true);
  });

  it('then with a budget that fits them, a write takes several conversations (up to MESSAGE_LANE_CHUNK)', async () => {
    const commands = await writesFor(10_000);
    expect(commands).toContain('bulkWrite');
    expect(commands.length).toBeLessThan(6);
  });
});

describe('When writes are deferred but the instance is idle (the default minimum batch of 2)', () => {
  it('then a lone send applies before its ack, and sends that queue up go through the outbox', async () => {
    let writesByOutbox = 0;
    const a = instance('a', freshPrefix(), {
      outbox: { minBatch: 2 },
      outboxWrites: {
        before: () => {
          writesByOutbox += 1;
        },
      },
    });
    const [alice, bob] = await pair();
    const lone = await a.service.send(alice.id, { recipientId: bob.id, text: 'alone' });
    // counted and told by the ack, nothing journaled or owed
    expect(await unreadOf(lone.message.conversationId, bob)).toBe(1);
    expect(notified(a, bob)).toEqual([lone.message.id]);
    expect(await a.journal.own()).toEqual([]);
    expect(writesByOutbox).toBe(0);

    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => a.service.send(alice.id, { recipientId: bob.id, text: `b${i}` })),
    );
    await a.drained();
    expect(writesByOutbox).toBeGreaterThan(0);
    expect(await unreadOf(lone.message.conversationId, bob)).toBe(31);
    expect(notified(a, bob).sort()).toEqual([lone, ...burst].map((r) => r.message.id).sort());
    expect(await a.journal.own()).toEqual([]);
  });
});

describe('When the recipient marks the conversation seen before the deferred update lands', () => {
  it('then the update counts none of what was seen, tells nobody of it, and a later message counts', async () => {
    const [alice, bob] = await pair();
    const held = gate();
    const a = instance('a', freshPrefix(), {
      outboxWrites: { before: held.wait },
    });
    const first = await a.service.send(alice.id, { recipientId: bob.id, text: 'one' });
    const second = await a.service.send(alice.id, { recipientId: bob.id, text: 'two' });
    const conversationId = first.message.conversationId;
    await held.arrived;
    // bob read both (message:new reached him) before their conversation update landed
    await t.services.messages.markSeen(bob.id, conversationId);
    held.open();
    await a.drained();
    expect(await unreadOf(conversationId, bob)).toBe(0);
    expect(notified(a, bob)).toEqual([]);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('two');

    // sent in the same millisecond as the seen one or not, a message after the mark counts
    const third = await a.service.send(alice.id, { recipientId: bob.id, text: 'three' });
    await a.drained();
    expect(await unreadOf(conversationId, bob)).toBe(1);
    expect(notified(a, bob)).toEqual([third.message.id]);
    expect(second.message.id).not.toBe(third.message.id);
  });

  it('then a seen between two owed messages leaves exactly the one after it unread', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
      registerUser(t.http),
    ]);
    const held = gate();
    const a = instance('a', freshPrefix(), {
      outboxWrites: { before: held.wait },
    });
    // carol → dave's update takes the outbox and is held there; alice → bob's two wait behind it
    await a.service.send(carol.id, { recipientId: dave.id, text: 'ahead' });
    await held.arrived;
    const seen = await a.service.send(alice.id, { recipientId: bob.id, text: 'seen' });
    await t.services.messages.markSeen(bob.id, seen.message.conversationId);
    const after = await a.service.send(alice.id, { recipientId: bob.id, text: 'after the seen' });
    held.open();
    await a.drained();
    expect(await unreadOf(seen.message.conversationId, bob)).toBe(1);
    expect(notified(a, bob)).toEqual([after.message.id]);
    expect((await conversation(seen.message.conversationId))?.lastMessage.text).toBe('after the seen');
  });
});

describe('When an instance dies owing conversation updates of acked messages', () => {
  it('then a peer adopts its journal, applies them exactly once, and tells the recipients', async () => {
    const prefix = freshPrefix();
    const [alice, bob] = await pair();
    const hung = gate();
    const dying = instance('dying', prefix, { outboxWrites: { before: hung.wait } });
    const acked = [];
    for (const text of ['a', 'b', 'c'])
      acked.push(await dying.service.send(alice.id, { recipientId: bob.id, text }));
    await hung.arrived;
    const conversationId = acked[0]!.message.conversationId;
    // the pair's first message: no update landed yet
    expect(await unreadOf(conversationId, bob)).toBe(0);
    dying.outbox.stop();
    hung.fail(new Error('process gone'));

    const peer = instance('peer', prefix);
    // the dying instance is not among the live ones (its heartbeat is gone)
    expect(await peer.outbox.recover(new Set(['peer']))).toBe(3);
    await peer.drained();
    expect(await unreadOf(conversationId, bob)).toBe(3);
    expect((await conversation(conversationId))?.lastMessage.text).toBe('c');
    expect(notified(peer, bob)).toEqual(acked.map((r) => r.message.id));
    expect(await peer.journal.own()).toEqual([]);
    expect(await dying.journal.own()).toEqual([]);
    // a second pass finds nothing, and applying again would change nothing
    expect(await peer.outbox.recover(new Set(['peer']))).toBe(0);
  });

  it('then an instance restarted under the same id applies what its previous run left', async () => {
    const prefix = freshPrefix();
    const [alice, bob] = await pair();
    const hung = gate();
    const before = instance('same-id', prefix, { outboxWrites: { before: hung.wait } });
    const acked = await before.service.send(alice.id, { recipientId: bob.id, text: 'left behind' });
    await hung.arrived;
    before.outbox.stop();
    hung.fail(new Error('process gone'));

    const after = instance('same-id', prefix);
    after.outbox.startRecovery(async () => new Set(['same-id']), 50);
    await waitFor(
      'the left-behind update applied',
      () => unreadOf(acked.message.conversationId, bob),
      (n) => n === 1,
    );
    await after.drained();
    expect(notified(after, bob)).toEqual([acked.message.id]);
    expect(await after.journal.own()).toEqual([]);
  });
});

describe('When the outbox journal cannot be written (Redis away)', () => {
  it('then the batch applies its conversation updates before the ack, as inline, and counts the fallback', async () => {
    const down = createRedisClient(
      { url: `redis://127.0.0.1:${await freePort()}` },
      'fail-fast',
      silentLogger,
      'outbox-down',
    );
    const downGuard = new RedisGuard(down, { logger: silentLogger });
    stops.push(async () => {
      downGuard.stop();
      await closeRedis(down);
    });
    const a = instance('a', freshPrefix(), { journalGuard: downGuard });
    const [alice, bob] = await pair();
    const fallbacks = await a.fallbacks();
    const acked = await a.service.send(alice.id, { recipientId: bob.id, text: 'no journal' });
    // counted and notified by the time of the ack
    expect(await unreadOf(acked.message.conversationId, bob)).toBe(1);
    expect(notified(a, bob)).toEqual([acked.message.id]);
    expect(a.outbox.depth).toBe(0);
    expect(await a.fallbacks()).toBe(fallbacks + 1);
  });
});

describe('When the flag goes back to inline while updates are owed', () => {
  it('then the owed ones still land, and new sends apply before their ack', async () => {
    const [alice, bob] = await pair();
    const held = gate();
    const a = instance('a', freshPrefix(), {
      outboxWrites: { before: held.wait },
    });
    const owed = await a.service.send(alice.id, { recipientId: bob.id, text: 'owed' });
    await held.arrived;
    a.mode.value = 'inline';
    const inline = await a.service.send(alice.id, { recipientId: bob.id, text: 'inline' });
    const conversationId = owed.message.conversationId;
    expect(await unreadOf(conversationId, bob)).toBe(1);
    held.open();
    await a.drained();
    expect(await unreadOf(conversationId, bob)).toBe(2);
    // lastMessage never moves backwards: the owed, older update lands after the newer one
    expect((await conversation(conversationId))?.lastMessage.text).toBe('inline');
    expect(notified(a, bob).sort()).toEqual([owed.message.id, inline.message.id].sort());
  });
});
