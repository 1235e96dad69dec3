import { type mongo, Types } from 'mongoose';
import { type LedgerMessage, type LedgerOp, LedgerRotations, ledgerUpdate } from './conversation-ledger';
import type { LaneEntry } from './lane-journal';

const oid = (id: string) => new Types.ObjectId(id);

/**
 * The conversation update of stored messages, with unread counts exact against `seen`:
 * `message:seen` records how far the user saw (`seenUpTo.<user>`, the newest message's
 * createdAt and id) and each update's filter requires the mark to be older than its messages,
 * so a `seen` that lands between a message's emit and its update makes the update take the
 * exact path (read the marks, count, write guarded by the marks read). The ledger makes every
 * apply idempotent: applying again, or after a racing retry applied some of the messages,
 * counts nothing twice. Used before the ack (the batch writer) and after it (ConversationLane).
 */
export interface Applied {
  counted: LaneEntry[];
  applied: LaneEntry[];
}

export class CountedUpdates {
  private readonly rotations = new LedgerRotations();

  constructor(private readonly conversations: mongo.Collection) {}

  /**
   * Applies messages grouped by conversation (each conversation once); resolves to those
   * counted unread (their recipient had not seen them) and those this call applied (the
   * others were in their conversation's ledger already: an earlier attempt applied them).
   */
  async apply(chunk: Array<[string, LaneEntry[]]>): Promise<Applied> {
    if (chunk.length === 0) return { counted: [], applied: [] };
    const all = [
      ...chunk.map(([c, es]) => fastOp(c, es)),
      ...this.rotations.due(chunk.map(([c, es]) => [oid(c), es.length])),
    ];
    // one conversation (low load) skips the driver's bulk machinery: the same command, less CPU
    const only = all.length === 1 ? all[0]!.updateOne : undefined;
    const { matchedCount } = only
      ? await this.conversations.updateOne(only.filter, only.update)
      : await this.conversations.bulkWrite(all, { ordered: false });
    if (matchedCount >= all.length) {
      const every = chunk.flatMap(([, es]) => es);
      return { counted: every, applied: every };
    }
    // Some update matched nothing, and a bulkWrite does not say which: a seen mark or a racing
    // retry. Settle each conversation from what it holds now.
    return this.settle(chunk);
  }

  private async settle(chunk: Array<[string, LaneEntry[]]>): Promise<Applied> {
    const counted: LaneEntry[] = [];
    // not in the ledger when first read: this call writes them (a racing retry that gets there
    // first makes both say so, and the message is emitted twice, same id)
    const applied: LaneEntry[] = [];
    let left = chunk;
    for (let round = 0; round < 5 && left.length > 0; round++) {
      const docs = await this.conversations
        .find<Holding>(
          { _id: { $in: left.map(([c]) => oid(c)) } },
          { projection: { applied: 1, appliedPrev: 1, seenUpTo: 1 } },
        )
        .toArray();
      const byId = new Map(docs.map((d) => [d._id.toHexString(), d]));
      const ops: LedgerOp[] = [];
      const tried: Array<[string, LaneEntry[], Holding]> = [];
      for (const [c, es] of left) {
        const doc = byId.get(c);
        if (!doc) continue; // no such conversation: nothing to count
        const ledger = new Set(
          [...(doc.applied ?? []), ...(doc.appliedPrev ?? [])].map((i) => i.toHexString()),
        );
        const unseen = unseenBy(doc);
        counted.push(...es.filter((e) => ledger.has(e.id) && unseen(e)));
        const rest = es.filter((e) => !ledger.has(e.id));
        if (round === 0) applied.push(...rest);
        if (rest.length === 0) continue;
        ops.push(exactOp(c, rest, doc));
        tried.push([c, rest, doc]);
      }
      if (ops.length === 0) return { counted, applied };
      const r = await this.conversations.bulkWrite(ops, { ordered: false });
      if (r.matchedCount === ops.length) {
        for (const [, rest, doc] of tried) counted.push(...rest.filter(unseenBy(doc)));
        return { counted, applied };
      }
      // Those that matched are in their ledger now; the next round reads them back as applied.
      left = tried.map(([c, rest]) => [c, rest]);
    }
    throw new Error(`conversation updates kept racing (${left.length} conversations)`);
  }
}

/**
 * A message's place in its conversation's order (createdAt, then id, as every listing sorts)
 * as one string that compares the same way: the seen mark is the newest message's, and a
 * message counts unread only if its own is greater. Ids break ties: batches of one instance
 * can share a millisecond, and its ids grow with them.
 */
export function seenMark(createdAtMs: number, id: string): string {
  return `${createdAtMs.toString().padStart(15, '0')}:${id}`;
}

const markOfEntry = (e: LaneEntry) => seenMark(e.createdAt, e.id);

interface Holding {
  _id: Types.ObjectId;
  applied?: Types.ObjectId[];
  appliedPrev?: Types.ObjectId[];
  seenUpTo?: Record<string, string>;
}

const markPath = (recipient: string) => `seenUpTo.${recipient}`;

function markOf(doc: Holding, recipient: string): string | undefined {
  return doc.seenUpTo?.[recipient];
}

/** after the recipient's mark, or no mark at all: owed an unread count */
function unseenBy(doc: Holding) {
  return (e: LaneEntry) => {
    const mark = markOf(doc, e.recipient);
    return mark === undefined || markOfEntry(e) > mark;
  };
}

function toLedger(e: LaneEntry): LedgerMessage {
  return {
    _id: oid(e.id),
    sender: oid(e.sender),
    recipient: oid(e.recipient),
    text: e.preview,
    createdAt: new Date(e.createdAt),
  };
}

function byRecipient(entries: LaneEntry[]): Map<string, LaneEntry[]> {
  const out = new Map<string, LaneEntry[]>();
  for (const e of entries) {
    const list = out.get(e.recipient);
    if (list) list.push(e);
    else out.set(e.recipient, [e]);
  }
  return out;
}

/** Counts every entry, on condition that no recipient has seen up to any of theirs. */
function fastOp(conversation: string, entries: LaneEntry[]): LedgerOp {
  const unread: Record<string, number> = {};
  const guards: mongo.Document[] = [];
  for (const [r, es] of byRecipient(entries)) {
    unread[r] = es.length;
    const oldest = es.map(markOfEntry).sort()[0]!;
    guards.push({ $or: [{ [markPath(r)]: { $exists: false } }, { [markPath(r)]: { $lt: oldest } }] });
  }
  return ledgerUpdate(oid(conversation), entries.map(toLedger), unread, guards);
}

/** Counts the entries after each recipient's mark as read, on condition the marks are still those. */
function exactOp(conversation: string, entries: LaneEntry[], doc: Holding): LedgerOp {
  const unread: Record<string, number> = {};
  const guards: mongo.Document[] = [];
  for (const [r, es] of byRecipient(entries)) {
    const mark = markOf(doc, r);
    unread[r] = es.filter(unseenBy(doc)).length;
    guards.push({ [markPath(r)]: mark === undefined ? { $exists: false } : mark });
  }
  return ledgerUpdate(oid(conversation), entries.map(toLedger), unread, guards);
}
