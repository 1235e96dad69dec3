import type { mongo, Types } from 'mongoose';

/**
 * How many applied message ids a conversation remembers in its current ledger array before it
 * is rotated into `appliedPrev`: a retried send finds its message in one of the two for at
 * least this many later messages of that conversation.
 */
export const LEDGER_SIZE = 32;
/** lastMessage keeps a preview, not the whole text */
export const PREVIEW_CHARS = 200;

export interface LedgerMessage {
  _id: Types.ObjectId;
  sender: Types.ObjectId;
  recipient: Types.ObjectId;
  text: string;
  createdAt: Date;
}

export type LedgerOp = mongo.AnyBulkWriteOperation<mongo.Document> & {
  updateOne: { filter: mongo.Filter<mongo.Document>; update: mongo.UpdateFilter<mongo.Document> };
};

/**
 * The conversation update of messages, keyed by their ids so that applying it twice changes
 * nothing: it matches only while none of the ids is in the ledger, and it adds them to the
 * ledger in the same atomic update that moves the unread counts (by `unreadByRecipient`: a
 * recipient who has seen some of the messages already is owed fewer) and the last message;
 * `extra` joins the filter (CountedUpdates' seen guards). A send whose insert landed but whose
 * conversation update did not is completed by running this again (a retry with the same
 * clientId); a retry whose first attempt finished matches nothing.
 *
 * lastMessage moves with `$max`, never backwards: its first field is createdAt, so BSON order
 * compares by time, then by id (a later id wins a tie); null and documents of the older shape
 * (id first) sort below it. FerretDB and MongoDB agree on this.
 *
 * Several messages of one conversation in one batch share one update (`$nin`, `$inc` by n,
 * `$push $each`). If one of them was applied meanwhile (a racing retry on another instance),
 * the shared update matches nothing and CountedUpdates settles the conversation from its ledger.
 */
export function ledgerUpdate(
  conversation: Types.ObjectId,
  messages: LedgerMessage[],
  unreadByRecipient: Record<string, number>,
  extra: mongo.Document[] = [],
): LedgerOp {
  const ids = messages.map((m) => m._id);
  const newest = messages.reduce((a, b) => (isAfter(b, a) ? b : a));
  const unread: Record<string, number> = {};
  for (const [r, n] of Object.entries(unreadByRecipient)) if (n > 0) unread[`unread.${r}`] = n;
  const notIn = ids.length === 1 ? { $ne: ids[0] } : { $nin: ids };
  // the driver's update types cannot see dotted and computed paths: this is plain BSON
  const push: mongo.Document = { applied: ids.length === 1 ? ids[0] : { $each: ids } };
  return {
    updateOne: {
      filter: {
        _id: conversation,
        applied: notIn,
        appliedPrev: notIn,
        ...(extra.length > 0 ? { $and: extra } : {}),
      },
      update: {
        // an empty $inc is an error on MongoDB: left out when nobody is owed a count
        ...(Object.keys(unread).length > 0 ? { $inc: unread } : {}),
        $push: push,
        $max: {
          lastMessage: {
            createdAt: newest.createdAt,
            id: newest._id,
            sender: newest.sender,
            text: newest.text.slice(0, PREVIEW_CHARS),
          },
          lastMessageAt: newest.createdAt,
        },
      },
    },
  };
}

/**
 * Bounds the ledger without `$slice` or a conditional `$pull` (FerretDB v1 ignores both):
 * once the current array is full it replaces the previous one, so a conversation document
 * holds between LEDGER_SIZE and 2 × LEDGER_SIZE ids. Matches nothing while not full.
 */
export function rotateLedger(conversation: Types.ObjectId): LedgerOp {
  return {
    updateOne: {
      filter: { _id: conversation, [`applied.${LEDGER_SIZE - 1}`]: { $exists: true } },
      update: { $rename: { applied: 'appliedPrev' } },
    },
  };
}

function isAfter(a: LedgerMessage, b: LedgerMessage): boolean {
  const d = a.createdAt.getTime() - b.createdAt.getTime();
  return d !== 0 ? d > 0 : a._id.toHexString() > b._id.toHexString();
}

/**
 * Counts, per conversation, the ledger pushes this instance made since it last asked for a
 * rotation, so a write can carry the rotation in its own bulkWrite when one is due. A guess
 * (other instances push too): a rotation that is not due matches nothing.
 */
export class LedgerRotations {
  private readonly pushes = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  due(pushed: Iterable<[conversation: Types.ObjectId, count: number]>): LedgerOp[] {
    const due: LedgerOp[] = [];
    for (const [conversation, n] of pushed) {
      const key = conversation.toHexString();
      const count = (this.pushes.get(key) ?? 0) + n;
      // Map order is insertion order: deleting and re-setting keeps recent keys last, so the
      // oldest are dropped first when the map outgrows its bound.
      this.pushes.delete(key);
      if (count >= LEDGER_SIZE) due.push(rotateLedger(conversation));
      else this.pushes.set(key, count);
    }
    while (this.pushes.size > this.max) this.pushes.delete(this.pushes.keys().next().value!);
    return due;
  }
}
