import { type mongo, Types } from 'mongoose';
import type { MessageDoc } from './message-model';

/**
 * How many applied ids a conversation keeps in `applied` before they move to `appliedPrev`:
 * a retried send finds its message in one of the two for at least this many later messages
 * of that conversation.
 */
export const APPLIED_IDS_MAX = 32;
/** lastMessage keeps a preview, not the whole text */
const PREVIEW_CHARS = 200;

/**
 * What a conversation update needs of one stored message: everything, so the outbox can apply
 * it (on any instance) without reading the message.
 */
export interface MessageSummary {
  conversation: string;
  id: string;
  sender: string;
  recipient: string;
  /** ms since the epoch: the message's createdAt */
  createdAt: number;
  /** the start of the text, what lastMessage and the notification show */
  preview: string;
}

export function summarize(m: MessageDoc): MessageSummary {
  return {
    conversation: m.conversation.toHexString(),
    id: m._id.toHexString(),
    sender: m.sender.toHexString(),
    recipient: m.recipient.toHexString(),
    createdAt: m.createdAt.getTime(),
    preview: m.text.slice(0, PREVIEW_CHARS),
  };
}

/**
 * A message's place in its conversation's order (createdAt, then id, as every listing sorts)
 * as one string that compares the same way. `markSeen` stores the newest message's place as
 * the user's seen mark (`seenUpTo.<user>`), and a message counts unread only if its own place
 * is greater. Ids break ties: batches of one instance can share a millisecond.
 */
export function seenMark(createdAtMs: number, id: string): string {
  return `${createdAtMs.toString().padStart(15, '0')}:${id}`;
}

interface UpdateResult {
  /** the recipient's unread count includes these now (they had not seen them): notification:new */
  countedUnread: MessageSummary[];
  /**
   * this call applied these (the others were among the conversation's applied ids already:
   * an earlier attempt applied them)
   */
  newlyApplied: MessageSummary[];
}

type UpdateOp = mongo.AnyBulkWriteOperation<mongo.Document> & {
  updateOne: { filter: mongo.Filter<mongo.Document>; update: mongo.UpdateFilter<mongo.Document> };
};

/**
 * The conversation update of stored messages: one update per conversation moves the unread
 * counts, the last message, and records the messages' ids among the conversation's applied
 * ids. Three rules make it safe to run late, twice, or beside a `seen`:
 *
 * - **Idempotent.** The update matches only while none of its ids is in `applied` or
 *   `appliedPrev`, and adds them in the same atomic write: applying it again changes nothing,
 *   which is how a retried send completes a first attempt that stored its message but never
 *   applied it.
 * - **A seen is never undone.** The filter also requires each recipient's seen mark to be
 *   older than their messages. If a `seen` came in between (the recipient answered
 *   `message:new` before this update landed), the update matches nothing and the exact path
 *   runs: read the marks, count only the messages after them, write on condition the marks
 *   are still those.
 * - **lastMessage never moves back.** It moves by `$max`; its first field is createdAt, so BSON
 *   order compares by time, then id (MongoDB and FerretDB agree).
 *
 * Used before the ack (MessageWriter) and, with the outbox feature, after it.
 */
export class ConversationUpdates {
  private readonly rotations = new RotationSchedule();

  constructor(private readonly conversations: mongo.Collection) {}

  async apply(messages: readonly MessageSummary[]): Promise<UpdateResult> {
    if (messages.length === 0) return { countedUnread: [], newlyApplied: [] };
    const byConversation = groupByConversation(messages);
    const ops = [
      ...byConversation.map(([c, ms]) => countAllUpdate(c, ms)),
      ...this.rotations.due(byConversation.map(([c, ms]) => [c, ms.length])),
    ];
    // one conversation (low load) skips the driver's bulk machinery: the same command, less CPU
    const only = ops.length === 1 ? ops[0]!.updateOne : undefined;
    const { matchedCount } = only
      ? await this.conversations.updateOne(only.filter, only.update)
      : await this.conversations.bulkWrite(ops, { ordered: false });
    if (matchedCount >= ops.length) {
      const all = byConversation.flatMap(([, ms]) => ms);
      return { countedUnread: all, newlyApplied: all };
    }
    // Some update matched nothing, and a bulkWrite does not say which: a seen mark or a racing
    // retry. Each conversation is counted again from what it holds now.
    return this.applyExactly(byConversation);
  }

  /** The exact path: read the applied ids and seen marks, then write guarded by what was read. */
  private async applyExactly(byConversation: Array<[string, MessageSummary[]]>): Promise<UpdateResult> {
    const countedUnread: MessageSummary[] = [];
    // not among the applied ids when first read: this call writes them (a racing retry that gets
    // there first makes both say so, and the message is emitted twice, same id)
    const newlyApplied: MessageSummary[] = [];
    let left = byConversation;
    for (let round = 0; round < 5 && left.length > 0; round++) {
      const docs = await this.conversations
        .find<Holding>(
          { _id: { $in: left.map(([c]) => oid(c)) } },
          { projection: { applied: 1, appliedPrev: 1, seenUpTo: 1 } },
        )
        .toArray();
      const byId = new Map(docs.map((d) => [d._id.toHexString(), d]));
      const ops: UpdateOp[] = [];
      const tried: Array<[string, MessageSummary[], Holding]> = [];
      for (const [c, ms] of left) {
        const doc = byId.get(c);
        if (!doc) continue; // no such conversation: nothing to count
        const appliedIds = new Set(
          [...(doc.applied ?? []), ...(doc.appliedPrev ?? [])].map((i) => i.toHexString()),
        );
        const unseen = unseenIn(doc);
        countedUnread.push(...ms.filter((m) => appliedIds.has(m.id) && unseen(m)));
        const rest = ms.filter((m) => !appliedIds.has(m.id));
        if (round === 0) newlyApplied.push(...rest);
        if (rest.length === 0) continue;
        ops.push(countAfterMarksUpdate(c, rest, doc));
        tried.push([c, rest, doc]);
      }
      if (ops.length === 0) return { countedUnread, newlyApplied };
      const r = await this.conversations.bulkWrite(ops, { ordered: false });
      if (r.matchedCount === ops.length) {
        for (const [, rest, doc] of tried) countedUnread.push(...rest.filter(unseenIn(doc)));
        return { countedUnread, newlyApplied };
      }
      // Those that matched hold their ids now; the next round reads them back as applied.
      left = tried.map(([c, rest]) => [c, rest]);
    }
    throw new Error(`conversation updates kept racing (${left.length} conversations)`);
  }
}

const oid = (id: string) => new Types.ObjectId(id);

/** Each conversation once, its messages in the order given. */
function groupByConversation(messages: readonly MessageSummary[]): Array<[string, MessageSummary[]]> {
  const out = new Map<string, MessageSummary[]>();
  for (const m of messages) {
    const list = out.get(m.conversation);
    if (list) list.push(m);
    else out.set(m.conversation, [m]);
  }
  return [...out];
}

function byRecipient(messages: MessageSummary[]): Map<string, MessageSummary[]> {
  const out = new Map<string, MessageSummary[]>();
  for (const m of messages) {
    const list = out.get(m.recipient);
    if (list) list.push(m);
    else out.set(m.recipient, [m]);
  }
  return out;
}

/** What the exact path reads of a conversation. */
interface Holding {
  _id: Types.ObjectId;
  applied?: Types.ObjectId[];
  appliedPrev?: Types.ObjectId[];
  seenUpTo?: Record<string, string>;
}

const markPath = (recipient: string) => `seenUpTo.${recipient}`;
const placeOf = (m: MessageSummary) => seenMark(m.createdAt, m.id);

/** after the recipient's seen mark, or no mark at all: counted unread */
function unseenIn(doc: Holding) {
  return (m: MessageSummary) => {
    const mark = doc.seenUpTo?.[m.recipient];
    return mark === undefined || placeOf(m) > mark;
  };
}

/** Counts every message unread, on condition that no recipient has seen up to any of theirs. */
function countAllUpdate(conversation: string, messages: MessageSummary[]): UpdateOp {
  const unread: Record<string, number> = {};
  const guards: mongo.Document[] = [];
  for (const [r, ms] of byRecipient(messages)) {
    unread[r] = ms.length;
    const oldest = ms.map(placeOf).sort()[0]!;
    guards.push({ $or: [{ [markPath(r)]: { $exists: false } }, { [markPath(r)]: { $lt: oldest } }] });
  }
  return updateOp(conversation, messages, unread, guards);
}

/** Counts the messages after each recipient's mark, on condition the marks are still those. */
function countAfterMarksUpdate(conversation: string, messages: MessageSummary[], doc: Holding): UpdateOp {
  const unread: Record<string, number> = {};
  const guards: mongo.Document[] = [];
  for (const [r, ms] of byRecipient(messages)) {
    const mark = doc.seenUpTo?.[r];
    unread[r] = ms.filter(unseenIn(doc)).length;
    guards.push({ [markPath(r)]: mark === undefined ? { $exists: false } : mark });
  }
  return updateOp(conversation, messages, unread, guards);
}

/**
 * The update itself: matches while none of the ids is applied (and `guards` hold), then moves
 * the counts, records the ids and offers the newest as lastMessage. Several messages of one
 * conversation share one update (`$nin`, `$inc` by n, `$push $each`); if one of them was applied
 * meanwhile (a racing retry on another instance) it matches nothing and the exact path runs.
 */
function updateOp(
  conversation: string,
  messages: MessageSummary[],
  unreadByRecipient: Record<string, number>,
  guards: mongo.Document[],
): UpdateOp {
  const ids = messages.map((m) => oid(m.id));
  const newest = messages.reduce((a, b) => (isAfter(b, a) ? b : a));
  const unread: Record<string, number> = {};
  for (const [r, n] of Object.entries(unreadByRecipient)) if (n > 0) unread[`unread.${r}`] = n;
  const notIn = ids.length === 1 ? { $ne: ids[0] } : { $nin: ids };
  // the driver's update types cannot see dotted and computed paths: this is plain BSON
  const push: mongo.Document = { applied: ids.length === 1 ? ids[0] : { $each: ids } };
  const newestAt = new Date(newest.createdAt);
  return {
    updateOne: {
      filter: {
        _id: oid(conversation),
        applied: notIn,
        appliedPrev: notIn,
        ...(guards.length > 0 ? { $and: guards } : {}),
      },
      update: {
        // an empty $inc is an error on MongoDB: left out when nobody is owed a count
        ...(Object.keys(unread).length > 0 ? { $inc: unread } : {}),
        $push: push,
        $max: {
          lastMessage: {
            createdAt: newestAt,
            id: oid(newest.id),
            sender: oid(newest.sender),
            text: newest.preview,
          },
          lastMessageAt: newestAt,
        },
      },
    },
  };
}

/** later in the conversation's order: createdAt, then id */
function isAfter(a: MessageSummary, b: MessageSummary): boolean {
  return a.createdAt !== b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
}

/**
 * Keeps the applied ids bounded without `$slice` or a conditional `$pull` (FerretDB v1 ignores
 * both): once `applied` is full it replaces `appliedPrev` (a guarded `$rename`), so a
 * conversation holds between APPLIED_IDS_MAX and twice that. This instance counts, per
 * conversation, the ids it added since it last asked for a rotation, so a write carries the
 * rotation in its own bulkWrite when one is due. A guess (other instances add ids too): a
 * rotation that is not due matches nothing.
 */
class RotationSchedule {
  private readonly added = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  due(added: Iterable<[conversation: string, count: number]>): UpdateOp[] {
    const due: UpdateOp[] = [];
    for (const [conversation, n] of added) {
      const count = (this.added.get(conversation) ?? 0) + n;
      // Map order is insertion order: deleting and re-setting keeps recent keys last, so the
      // oldest are dropped first when the map outgrows its bound.
      this.added.delete(conversation);
      if (count >= APPLIED_IDS_MAX) due.push(rotation(conversation));
      else this.added.set(conversation, count);
    }
    while (this.added.size > this.max) this.added.delete(this.added.keys().next().value!);
    return due;
  }
}

function rotation(conversation: string): UpdateOp {
  return {
    updateOne: {
      filter: { _id: oid(conversation), [`applied.${APPLIED_IDS_MAX - 1}`]: { $exists: true } },
      update: { $rename: { applied: 'appliedPrev' } },
    },
  };
}
