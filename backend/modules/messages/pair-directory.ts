import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import { NotFoundError } from '../../errors/app-error';
import { isDuplicateKey } from '../../infra/mongo';
import type { UserModel } from '../users/user-model';
import { type ConversationModel, conversationKey } from './conversation-model';

interface Pair {
  sender: string;
  recipient: string;
}

/**
 * "Does this user exist" and "which conversation is this pair's" never change once true
 * (users are not deleted, a pair's conversation is unique by key), so each instance keeps
 * them in a bounded LRU and a pair seen before costs no read. Lookups of one key share one
 * flight, which also keeps two sends of a new pair in the order they arrived.
 */
export class PairDirectory {
  private readonly users: LRUCache<string, true>;
  private readonly pairs: LRUCache<string, Types.ObjectId, Pair>;

  constructor(private readonly deps: { users: UserModel; conversations: ConversationModel; max: number }) {
    this.users = new LRUCache<string, true>({
      max: deps.max,
      fetchMethod: async (id) => {
        const found = await this.deps.users.exists({ _id: new Types.ObjectId(id) });
        // a miss is not cached: the user may register a moment later
        if (found === null) throw new NotFoundError('Recipient');
        return true as const;
      },
    });
    this.pairs = new LRUCache<string, Types.ObjectId, Pair>({
      max: deps.max,
      fetchMethod: async (key, _stale, { context }) => {
        await this.users.fetch(context.recipient);
        return this.upsertConversation(key, context);
      },
    });
  }

  /** The pair's conversation id, created on the first message; NotFoundError for an unknown recipient. */
  conversationFor(sender: string, recipient: string): Types.ObjectId | Promise<Types.ObjectId> {
    const key = conversationKey(sender, recipient);
    const known = this.pairs.get(key);
    if (known) return known;
    return this.pairs.fetch(key, { context: { sender, recipient } }).then((id) => {
      if (!id) throw new Error('conversation lookup answered nothing');
      return id;
    });
  }

  private async upsertConversation(key: string, pair: Pair): Promise<Types.ObjectId> {
    const participants = [new Types.ObjectId(pair.sender), new Types.ObjectId(pair.recipient)];
    const upsert = () =>
      this.deps.conversations
        .findOneAndUpdate(
          { key },
          { $setOnInsert: { key, participants } },
          { upsert: true, returnDocument: 'after', setDefaultsOnInsert: true },
        )
        .lean();
    try {
      const doc = await upsert();
      if (doc) return doc._id;
    } catch (err) {
      // Two first messages of a pair at once (two instances): one upsert inserts, the other
      // hits the unique key and finds the document on the retry.
      if (!isDuplicateKey(err)) throw err;
    }
    const doc = await upsert();
    if (!doc) throw new Error('conversation upsert returned nothing');
    return doc._id;
  }
}
