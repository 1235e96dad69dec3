import { mongo, Types } from 'mongoose';
import { ConflictError } from '../../errors/app-error';
import { isDuplicateKey } from '../../errors/is-duplicate-key';
import type { Notifier } from '../../ports/notifier';
import type { Actor, ActorProfiles } from '../notifications/actor-profiles';
import { ConversationLane, type ConversationLaneOptions } from './conversation-lane';
import { ConversationUpdates, type MessageSummary, summarize } from './conversation-update';
import type { Settled } from './group-commit';
import type { MessageDoc } from './message-model';
import { summaryNotification } from './message-notification';
import { type PublicMessage, toPublicMessage } from './message-view';

/** A validated send whose recipient and conversation are known, waiting in the write queue. */
export interface QueuedSend {
  senderId: string;
  recipientId: string;
  conversation: Types.ObjectId;
  text: string;
  clientId: string;
  /** the sender's device that gets the ack instead of message:new */
  socketId?: string | undefined;
  /** the sender as the recipient's notification shows them */
  actor: Actor;
  /** performance.now() when it was queued: the stage timings count from here */
  queuedAt?: number | undefined;
}

/** Where a send spends its time (metric message_stage_seconds, docs/realtime.md "Where a send waits"). */
export type MessageStage = 'queue' | 'insert' | 'journal' | 'conversation' | 'message_new' | 'ack';

export interface SendResult {
  message: PublicMessage;
  /** false when the clientId was seen before: the stored message is answered again */
  created: boolean;
}

/**
 * Where a batch's conversation updates go when they are applied after the ack instead of
 * before it: an optional feature implements it (the outbox, `npm run features -- list`).
 * Without one, every batch applies them before its ack.
 */
export interface ConversationOutbox {
  /** Asked once per batch: does it take this batch's updates? `queued`: sends waiting behind it. */
  wants(batchSize: number, queued: number): boolean;
  /**
   * Records the updates where they survive this process, and owes them. Rejects, owing
   * nothing, when it cannot (it counts and logs its own refusals): the batch then applies
   * them before its ack.
   */
  add(messages: readonly MessageSummary[]): Promise<void>;
  /**
   * Set once by the core: the outbox reports here the messages an update it applied counted
   * unread, and this sends their notification:new (awaited: drained means told).
   */
  onCounted(report: (counted: readonly MessageSummary[]) => Promise<void>): void;
}

interface MessageWriterDeps {
  messages: mongo.Collection;
  conversations: mongo.Collection;
  notifier: Notifier;
  /** senders' names for notifications the outbox reports (a batch carries its own) */
  actors: Pick<ActorProfiles, 'get'>;
  outbox?: ConversationOutbox | undefined;
  /** sends waiting behind the batch being written (the outbox's choice depends on it) */
  queued(): number;
  /** a retry later than this after its first attempt is answered without completing anything */
  retryWindowMs: number;
  now?: () => number;
  /** conversations per update write, and updates owed at most (conversation-lane.ts) */
  lane: ConversationLaneOptions;
  /** told each stage's duration, once per send it covered */
  onStage?: ((stage: MessageStage, ms: number, sends: number) => void) | undefined;
}

type Outcome = Settled<SendResult>;
/** one outcome per send of a batch, settled or still pending (acks wait for their updates) */
type Written = Array<Outcome | Promise<Outcome>>;

/**
 * Writes one batch of sends from the write queue (group-commit.ts), in this order:
 *
 * 1. one message per (sender, clientId) at a time in this instance: a repeat, in the same batch
 *    or while a batch in flight still writes the first, takes the first one's outcome, failure
 *    included, instead of racing it to the store (a later retry goes to step 7);
 * 2. ids and createdAt, given here in queue order (per instance they grow with the sends);
 * 3. insert: `insertOne`, or `insertMany` for several; a clientId stored before fails with
 *    E11000 and goes to step 7;
 * 4. `message:new` for each inserted message, as soon as it is stored;
 * 5. the outbox, when there is one and it wants this batch, records their conversation updates;
 * 6. the conversation update, unless the outbox took it: handed to the lane
 *    (conversation-lane.ts), which applies it with the other owed updates of its conversation
 *    while the next batch is inserted; then `notification:new` for the messages it counted
 *    unread, and the acks;
 * 7. sends whose clientId was stored before (a retry, or the same send from another device or
 *    instance): answered with the stored message, after applying its conversation update if
 *    the first attempt never did (then it is pushed now too); another text or recipient with
 *    the same clientId is a CONFLICT.
 *
 * Several batches may be in steps 1–4 at once (MESSAGE_INSERTS_IN_FLIGHT): their inserts
 * overlap, and each pushes only after the batch ahead has pushed, so message:new keeps submit
 * order (a later batch may commit first: sync's settle window covers that). Steps 5–7
 * are answered as pending outcomes and complete while the next batch runs 1–4. Nothing is
 * acked before it is durable, and each send fails alone: a failed command fails the sends it
 * carried, and a retry with the same clientId completes what they left undone.
 */
export class MessageWriter {
  private lastTime = 0;
  /** batches whose insert is in flight */
  private inserting = 0;
  /** settles once the latest batch has pushed its messages, or failed: the next one pushes after it */
  private pushedAhead: Promise<void> = Promise.resolve();
  /**
   * each (sender, clientId) being written here, until its outcome settles: its batch's
   * outcomes, once that batch is inserted, and its place among them (a repeat waits for it)
   */
  private readonly writing = new Map<string, { written: Promise<Written>; at: number }>();
  private readonly updates: ConversationUpdates;
  private readonly lane: ConversationLane;

  constructor(private readonly deps: MessageWriterDeps) {
    this.updates = new ConversationUpdates(deps.conversations);
    this.lane = new ConversationLane(deps.conversations, {
      ...deps.lane,
      insertsWaiting: () => this.inserting > 0 || deps.queued() > 0,
    });
  }

  async write(batch: QueuedSend[]): Promise<Written> {
    let wrote!: (outcomes: Written) => void;
    const written = new Promise<Written>((resolve) => {
      wrote = resolve;
    });
    // 1, before the first await: the next batch may be handed over while this one is inserted
    const { own, keys, results } = this.claim(batch, written);
    const ahead = this.pushedAhead;
    let pushed!: () => void;
    this.pushedAhead = new Promise((resolve) => {
      pushed = resolve;
    });
    let outcomes: Written;
    try {
      const sends = own.map((i) => batch[i]!);
      outcomes = sends.length > 0 ? await this.writeAfter(ahead, sends) : [];
    } catch (error) {
      outcomes = own.map(() => ({ ok: false, error }));
    } finally {
      // never before the batch ahead, whatever happened to this one
      void ahead.then(pushed);
    }
    wrote(outcomes);
    own.forEach((i, n) => {
      results[i] = outcomes[n]!;
    });
    const forget = () => {
      for (const key of keys) if (this.writing.get(key)?.written === written) this.writing.delete(key);
    };
    void Promise.all(outcomes).then(forget, forget);
    return results;
  }

  /**
   * Step 1: the first send of each (sender, clientId) not already being written by this
   * instance is this batch's own; a repeat, in this batch or in one still in flight, takes the
   * first one's outcome instead of racing it to the store.
   */
  private claim(
    batch: QueuedSend[],
    written: Promise<Written>,
  ): { own: number[]; keys: string[]; results: Written } {
    const own: number[] = [];
    const keys: string[] = [];
    const results: Written = new Array(batch.length);
    const repeats: QueuedSend[] = [];
    batch.forEach((send, i) => {
      const key = `${send.senderId}\u0000${send.clientId}`;
      const first = this.writing.get(key);
      if (!first) {
        this.writing.set(key, { written, at: own.length });
        own.push(i);
        keys.push(key);
        return;
      }
      repeats.push(send);
      results[i] = first.written
        .then((outcomes) => outcomes[first.at]!)
        .then((outcome) => {
          this.stagesSince('ack', [send]);
          return repeatOutcome(send, outcome);
        });
    });
    this.stagesSince('queue', repeats);
    return { own, keys, results };
  }

  private async writeAfter(ahead: Promise<void>, batch: QueuedSend[]): Promise<Written> {
    // the lane's backlog is bounded: a store that cannot keep up holds the inserts, and the
    // write queue behind them refuses sends past its own bound
    await this.lane.room();
    const out: Array<Outcome | undefined> = new Array(batch.length);
    // 2: close to the commit, which is what sync's settle window has to cover
    const createdAt = new Date(this.tick());
    const docs: MessageDoc[] = batch.map((send) => {
      return {
        _id: new Types.ObjectId(),
        conversation: send.conversation,
        sender: new Types.ObjectId(send.senderId),
        recipient: new Types.ObjectId(send.recipientId),
        text: send.text,
        clientId: send.clientId,
        createdAt,
      };
    });
    this.stagesSince('queue', batch);
    // 3
    this.inserting += 1;
    const insert = await this.timed('insert', batch.length, () => this.insert(docs)).finally(() => {
      this.inserting -= 1;
    });
    // 4 waits for the batch ahead: its insert may still be in flight
    await ahead;
    if (!insert.ok) return batch.map(() => ({ ok: false, error: insert.error }));
    const inserted: number[] = [];
    const storedBefore: number[] = [];
    batch.forEach((_, i) => {
      const failure = insert.failed.get(i);
      if (failure === undefined) inserted.push(i);
      else if (isDuplicateKey(failure)) storedBefore.push(i);
      else out[i] = { ok: false, error: failure };
    });

    const insertedDocs = inserted.map((i) => docs[i]!);
    const summaries = insertedDocs.map(summarize);
    // 4: a `seen` it triggers cannot be overtaken by the update (conversation-update.ts)
    const messages = insertedDocs.map(toPublicMessage);
    inserted.forEach((i, n) => {
      this.announce(batch[i]!, messages[n]!);
    });
    this.stagesSince(
      'message_new',
      inserted.map((i) => batch[i]!),
    );

    // 5–7 complete while the next batch is written: the acks wait for them, the inserts and
    // pushes do not
    const completed = (async (): Promise<Outcome[]> => {
      try {
        // 5: asked before the first await, so it sees this batch's queue; with the outbox,
        // notification:new comes once it has applied the update
        const outboxTookThem = await this.timed('journal', summaries.length, () =>
          this.handToOutbox(summaries),
        );
        if (!outboxTookThem && summaries.length > 0) {
          const { countedUnread } = await this.timed('conversation', summaries.length, () =>
            this.lane.apply(summaries),
          );
          await this.notifyCounted(countedUnread, batch);
        }
        inserted.forEach((i, n) => {
          out[i] = { ok: true, value: { message: messages[n]!, created: true } };
        });
        // 7
        await this.answerStoredBefore(storedBefore, batch, out);
      } catch (error) {
        // Stored but not applied to their conversations: the error goes back, and the client's
        // retry with the same clientId completes them.
        batch.forEach((_, i) => {
          out[i] ??= { ok: false, error };
        });
      }
      this.stagesSince('ack', batch);
      return out as Outcome[];
    })();
    return batch.map((_, i) => completed.then((o) => o[i]!));
  }

  /** Runs one step of a batch and reports its duration for each of the `sends` it covers. */
  private async timed<T>(stage: MessageStage, sends: number, step: () => Promise<T>): Promise<T> {
    if (!this.deps.onStage || sends === 0) return step();
    const t = performance.now();
    try {
      return await step();
    } finally {
      this.deps.onStage(stage, performance.now() - t, sends);
    }
  }

  /** Reports, per send, the time from its submit to now. */
  private stagesSince(stage: MessageStage, sends: readonly QueuedSend[]): void {
    const report = this.deps.onStage;
    if (!report) return;
    const at = performance.now();
    for (const s of sends) if (s.queuedAt !== undefined) report(stage, at - s.queuedAt, 1);
  }

  /**
   * notification:new for messages whose recipient's unread count now includes them. The only
   * place a message's notification:new is sent: the outbox reports through here too.
   */
  async notifyCounted(counted: readonly MessageSummary[], batch?: readonly QueuedSend[]): Promise<void> {
    if (counted.length === 0) return;
    const known = batch && new Map(batch.map((send) => [send.senderId, send.actor]));
    for (const m of counted) {
      const actor = known?.get(m.sender) ?? (await this.senderOf(m.sender));
      if (!actor) continue;
      this.deps.notifier.toUsers([m.recipient], 'notification:new', {
        notification: summaryNotification(m, actor),
      });
    }
  }

  /** message:new to the recipient's devices and the sender's others, in one emit: the only place it is sent */
  private announce(send: QueuedSend, message: PublicMessage): void {
    this.deps.notifier.toUsersExceptSocket([send.recipientId, send.senderId], send.socketId, 'message:new', {
      message,
    });
  }

  /** true when the outbox recorded the updates and owes them; false: apply them now */
  private async handToOutbox(summaries: MessageSummary[]): Promise<boolean> {
    const outbox = this.deps.outbox;
    if (!outbox || summaries.length === 0 || !outbox.wants(summaries.length, this.deps.queued()))
      return false;
    try {
      await outbox.add(summaries);
      return true;
    } catch {
      return false; // the outbox counted and logged its refusal
    }
  }

  private tick(): number {
    this.lastTime = Math.max(this.deps.now?.() ?? Date.now(), this.lastTime);
    return this.lastTime;
  }

  private async senderOf(userId: string): Promise<Actor | undefined> {
    return Promise.resolve(this.deps.actors.get(userId)).catch(() => undefined);
  }

  private async insert(
    docs: MessageDoc[],
  ): Promise<{ ok: true; failed: Map<number, unknown> } | { ok: false; error: unknown }> {
    const failed = new Map<number, unknown>();
    if (docs.length === 0) return { ok: true, failed };
    // A batch of one (low load) skips the driver's bulk machinery: same command, less CPU.
    if (docs.length === 1) {
      try {
        await this.deps.messages.insertOne(docs[0]!);
      } catch (error) {
        if (!isDuplicateKey(error)) return { ok: false, error };
        failed.set(0, error);
      }
      return { ok: true, failed };
    }
    try {
      await this.deps.messages.insertMany(docs, { ordered: false });
      return { ok: true, failed };
    } catch (error) {
      if (!(error instanceof mongo.MongoBulkWriteError) || error.writeConcernError)
        return { ok: false, error };
      const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (writeErrors.length === 0) return { ok: false, error };
      for (const w of writeErrors)
        failed.set(w.index, Object.assign(new Error(w.errmsg ?? 'write failed'), { code: w.code }));
      return { ok: true, failed };
    }
  }

  /** Step 7: sends whose (sender, clientId) was stored before. */
  private async answerStoredBefore(indexes: number[], batch: QueuedSend[], out: Array<Outcome | undefined>) {
    if (indexes.length === 0) return;
    const stored = await this.deps.messages
      .find<MessageDoc>({
        $or: indexes.map((i) => ({
          sender: new Types.ObjectId(batch[i]!.senderId),
          clientId: batch[i]!.clientId,
        })),
      })
      .toArray();
    const byKey = new Map(stored.map((m) => [`${m.sender.toHexString()}\u0000${m.clientId}`, m]));
    for (const i of indexes) {
      const send = batch[i]!;
      const m = byKey.get(`${send.senderId}\u0000${send.clientId}`);
      if (!m) {
        out[i] = { ok: false, error: new Error('duplicate clientId but no stored message') };
        continue;
      }
      if (!m.recipient.equals(send.recipientId) || m.text !== send.text) {
        out[i] = { ok: false, error: reusedClientId() };
        continue;
      }
      const message = toPublicMessage(m);
      let created = false;
      // its first attempt's update may still be owed in this instance's lane: that one applies it
      await this.lane.pending(m.conversation.toHexString(), m._id.toHexString());
      // Within the window its id is still among the conversation's applied ids if it was
      // applied, so applying again is safe (docs/realtime.md "Completion").
      if (this.tick() - m.createdAt.getTime() <= this.deps.retryWindowMs) {
        const { newlyApplied, countedUnread } = await this.updates.apply([summarize(m)]);
        // its first attempt never completed: pushed now (again, if that attempt got as far as
        // message:new before its conversation update failed: same id, clients keep one)
        created = newlyApplied.length > 0;
        if (created) {
          this.announce(send, message);
          await this.notifyCounted(countedUnread, [send]);
        }
      }
      out[i] = { ok: true, value: { message, created } };
    }
  }
}

function repeatOutcome(send: QueuedSend, first: Outcome): Outcome {
  if (!first.ok) return first;
  const m: PublicMessage = first.value.message;
  if (m.recipientId !== send.recipientId || m.text !== send.text)
    return { ok: false, error: reusedClientId() };
  return { ok: true, value: { message: m, created: false } };
}

function reusedClientId(): ConflictError {
  return new ConflictError('clientId was already used for a different message', [
    { path: 'clientId', message: 'reused' },
  ]);
}
