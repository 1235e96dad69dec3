import { mongo, Types } from 'mongoose';
import { ConflictError } from '../../errors/app-error';
import { isDuplicateKey } from '../../infra/mongo';
import type { Notifier } from '../../ports/notifier';
import type { Actor } from '../notifications/actor-profiles';
import { entryNotification } from '../notifications/message-notification';
import { PREVIEW_CHARS } from './conversation-ledger';
import { CountedUpdates } from './counted-updates';
import type { Settled } from './group-commit';
import type { LaneEntry } from './lane-journal';
import type { MessageDoc } from './message-model';
import type { SendResult } from './message-service';
import { type PublicMessage, toPublicMessage } from './message-view';

/** A validated send whose recipient and conversation are known, waiting for its batch. */
export interface PendingMessage {
  senderId: string;
  recipientId: string;
  conversation: Types.ObjectId;
  text: string;
  clientId: string;
  /** the sender's device that gets the ack instead of message:new */
  socketId?: string | undefined;
  /** the sender as the recipient's notification shows them */
  actor: Actor;
}

/** Test-only fault injection, given through the constructor (never a module mock). */
export interface BatchFaults {
  /** runs once the batch's ids and times are given, before anything is written */
  beforeInsert?(): Promise<void> | void;
  /** runs after the messages are inserted, before the conversations are updated */
  afterInsert?(): Promise<void> | void;
  /** runs once message:new went out, before the conversation update applied before the ack */
  beforeUpdate?(): Promise<void> | void;
}

/** Where a batch's conversation updates go when they are deferred (ConversationLane). */
export interface DeferredWrites {
  /** asked per batch: the flag, and whether this batch is worth the lane's extra round trips */
  wanted(batchSize: number): boolean;
  /** journals the entries and owes their updates; rejects to have them applied before the ack */
  accept(entries: LaneEntry[]): Promise<void>;
  onFallback(error: unknown): void;
}

export interface MessageBatchWriterDeps {
  messages: mongo.Collection;
  conversations: mongo.Collection;
  notifier: Notifier;
  deferred?: DeferredWrites | undefined;
  /** a retry later than this after its first attempt is answered without completing anything */
  retryWindowMs: number;
  faults?: BatchFaults | undefined;
  now?: () => number;
}

type Outcome = Settled<SendResult>;

/**
 * Writes one batch of the message pipeline: one `insertMany` of every new message, their
 * `message:new` in batch order, then one `bulkWrite` of their conversations (or the lane's
 * journal), then the acks and `notification:new`. Nothing is emitted or acked before it is
 * durable, and each item fails alone: a duplicate clientId resolves to the stored
 * message (completing its conversation update if its first attempt never did), a clientId
 * reused for another message is a CONFLICT, and a failed command fails only the items it
 * carried, which a retry with the same clientId then completes.
 */
export class MessageBatchWriter {
  private lastTime = 0;
  private readonly updates: CountedUpdates;

  constructor(private readonly deps: MessageBatchWriterDeps) {
    this.updates = new CountedUpdates(deps.conversations);
  }

  async write(items: PendingMessage[]): Promise<Outcome[]> {
    const out: Array<Outcome | undefined> = new Array(items.length);
    const { leaders, followers } = dedupe(items);
    // Ids and times are given here, in queue order, one batch at a time: per instance they
    // grow with the order of sends, and they are close to the commit (what sync's settle
    // window has to cover).
    const createdAt = new Date(this.tick());
    const docs: MessageDoc[] = leaders.map((i) => {
      const it = items[i]!;
      return {
        _id: new Types.ObjectId(),
        conversation: it.conversation,
        sender: new Types.ObjectId(it.senderId),
        recipient: new Types.ObjectId(it.recipientId),
        text: it.text,
        clientId: it.clientId,
        createdAt,
      };
    });

    try {
      await this.deps.faults?.beforeInsert?.();
    } catch (error) {
      return items.map(() => ({ ok: false, error }));
    }
    const inserted = await this.insert(docs);
    if (!inserted.ok) return items.map(() => ({ ok: false, error: inserted.error }));
    const fresh: number[] = [];
    const dupes: number[] = [];
    leaders.forEach((i, k) => {
      const failure = inserted.failed.get(k);
      if (failure === undefined) fresh.push(k);
      else if (isDuplicateKey(failure)) dupes.push(k);
      else out[i] = { ok: false, error: failure };
    });

    try {
      await this.deps.faults?.afterInsert?.();
      const freshDocs = fresh.map((k) => docs[k]!);
      const deferred = await this.defer(freshDocs);
      // Stored (and journaled when deferred): the recipient hears of it now, without waiting
      // for the conversation update, which a `seen` it triggers cannot overtake (CountedUpdates).
      const messages = freshDocs.map(toPublicMessage);
      fresh.forEach((k, n) => {
        this.emitNew(items[leaders[k]!]!, messages[n]!);
      });
      // deferred: the lane tells the recipient (notification:new) once the unread count has it
      if (!deferred) {
        await this.deps.faults?.beforeUpdate?.();
        const { counted } = await this.updates.apply(byConversation(freshDocs));
        this.notifyCounted(items, counted);
      }
      fresh.forEach((k, n) => {
        out[leaders[k]!] = { ok: true, value: { message: messages[n]!, created: true } };
      });
      await this.completeDuplicates(
        dupes.map((k) => leaders[k]!),
        items,
        out,
      );
    } catch (error) {
      // Stored but not applied to their conversations: the error goes back, and the client's
      // retry with the same clientId completes them.
      for (const i of leaders) out[i] ??= { ok: false, error };
    }

    for (const [i, leader] of followers) out[i] = followerOutcome(items[i]!, out[leader]!);
    return out as Outcome[];
  }

  /** Hands the conversation updates to the lane when the flag says so and its journal takes them. */
  private async defer(docs: MessageDoc[]): Promise<boolean> {
    const lane = this.deps.deferred;
    if (!lane || docs.length === 0 || !lane.wanted(docs.length)) return false;
    try {
      await lane.accept(docs.map(toLaneEntry));
      return true;
    } catch (error) {
      lane.onFallback(error);
      return false;
    }
  }

  private tick(): number {
    this.lastTime = Math.max(this.deps.now?.() ?? Date.now(), this.lastTime);
    return this.lastTime;
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

  /**
   * Items whose (sender, clientId) was already stored: a retry, or the same send on another
   * device or instance. Same message: answered with the stored one, after applying it to its
   * conversation if that never happened (then it is emitted now, as the first attempt never
   * was). Another text or recipient: CONFLICT.
   */
  private async completeDuplicates(
    indexes: number[],
    items: PendingMessage[],
    out: Array<Outcome | undefined>,
  ) {
    if (indexes.length === 0) return;
    const stored = await this.deps.messages
      .find<MessageDoc>({
        $or: indexes.map((i) => ({
          sender: new Types.ObjectId(items[i]!.senderId),
          clientId: items[i]!.clientId,
        })),
      })
      .toArray();
    const byKey = new Map(stored.map((m) => [`${m.sender.toHexString()}\u0000${m.clientId}`, m]));
    for (const i of indexes) {
      const it = items[i]!;
      const m = byKey.get(`${it.senderId}\u0000${it.clientId}`);
      if (!m) {
        out[i] = { ok: false, error: new Error('duplicate clientId but no stored message') };
        continue;
      }
      if (!m.recipient.equals(it.recipientId) || m.text !== it.text) {
        out[i] = { ok: false, error: reusedClientId() };
        continue;
      }
      const message = toPublicMessage(m);
      let created = false;
      if (this.tick() - m.createdAt.getTime() <= this.deps.retryWindowMs) {
        const { applied, counted } = await this.updates.apply(byConversation([m]));
        // its first attempt never completed: emitted now (again, if that attempt got as far as
        // message:new before its conversation update failed: same id, clients keep one)
        created = applied.length > 0;
        if (created) {
          this.emitNew(it, message);
          this.notifyCounted([it], counted);
        }
      }
      out[i] = { ok: true, value: { message, created } };
    }
  }

  /** message:new to the recipient's devices and the sender's others, in one emit */
  private emitNew(it: PendingMessage, message: PublicMessage): void {
    this.deps.notifier.toUsersExceptSocket([it.recipientId, it.senderId], it.socketId, 'message:new', {
      message,
    });
  }

  /** notification:new for the messages whose recipient's unread count now includes them */
  private notifyCounted(items: PendingMessage[], counted: LaneEntry[]): void {
    if (counted.length === 0) return;
    const actors = new Map(items.map((it) => [it.senderId, it.actor]));
    for (const e of counted) {
      const actor = actors.get(e.sender);
      if (!actor) continue;
      this.deps.notifier.toUsers([e.recipient], 'notification:new', {
        notification: entryNotification(e, actor),
      });
    }
  }
}

/** The first item of each (sender, clientId) is written; the others take its outcome. */
function dedupe(items: PendingMessage[]): { leaders: number[]; followers: Array<[number, number]> } {
  const first = new Map<string, number>();
  const leaders: number[] = [];
  const followers: Array<[number, number]> = [];
  items.forEach((it, i) => {
    const key = `${it.senderId}\u0000${it.clientId}`;
    const leader = first.get(key);
    if (leader === undefined) {
      first.set(key, i);
      leaders.push(i);
    } else followers.push([i, leader]);
  });
  return { leaders, followers };
}

function followerOutcome(it: PendingMessage, leader: Outcome): Outcome {
  if (!leader.ok) return leader;
  const m: PublicMessage = leader.value.message;
  if (m.recipientId !== it.recipientId || m.text !== it.text) return { ok: false, error: reusedClientId() };
  return { ok: true, value: { message: m, created: false } };
}

/** A batch's messages as CountedUpdates takes them: each conversation once, its messages in order. */
function byConversation(docs: MessageDoc[]): Array<[string, LaneEntry[]]> {
  const out = new Map<string, LaneEntry[]>();
  for (const d of docs) {
    const e = toLaneEntry(d);
    const list = out.get(e.conversation);
    if (list) list.push(e);
    else out.set(e.conversation, [e]);
  }
  return [...out];
}

function toLaneEntry(d: MessageDoc): LaneEntry {
  return {
    conversation: d.conversation.toHexString(),
    id: d._id.toHexString(),
    sender: d.sender.toHexString(),
    recipient: d.recipient.toHexString(),
    createdAt: d.createdAt.getTime(),
    preview: d.text.slice(0, PREVIEW_CHARS),
  };
}

function reusedClientId(): ConflictError {
  return new ConflictError('clientId was already used for a different message', [
    { path: 'clientId', message: 'reused' },
  ]);
}
