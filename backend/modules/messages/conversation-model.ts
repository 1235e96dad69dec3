import { type Connection, type Model, Schema, type Types } from 'mongoose';

/** createdAt first: the field order is what `$max` compares by (conversation-update.ts) */
export interface LastMessage {
  createdAt: Date;
  id: Types.ObjectId;
  sender: Types.ObjectId;
  text: string;
}

/**
 * A two-person conversation. Unread counts and the last message are kept on it, per
 * participant, by the write that sends (one update per message batch) or reads: FerretDB has no $lookup and no $size
 * projections, and on MongoDB counting unread messages per list row would not scale either.
 */
export interface ConversationDoc {
  _id: Types.ObjectId;
  /** the two user ids sorted and joined: one conversation per pair, enforced by a unique index */
  key: string;
  participants: Types.ObjectId[];
  lastMessage: LastMessage | null;
  lastMessageAt: Date;
  unread: Map<string, number>;
  lastReadAt: Map<string, Date>;
  /**
   * Applied ids: the messages applied to this conversation (unread counted, last message
   * offered), the most recent ones in `applied`, the ones before in `appliedPrev`: what makes
   * a conversation update idempotent. See conversation-update.ts; never sent to clients.
   */
  applied?: Types.ObjectId[];
  appliedPrev?: Types.ObjectId[];
  /**
   * Seen marks: per participant, the place of the newest message when they last marked the
   * conversation seen (seenMark): a conversation update that lands later counts only messages
   * after it (conversation-update.ts).
   */
  seenUpTo?: Map<string, string>;
  createdAt: Date;
}

export type ConversationModel = Model<ConversationDoc>;

const conversationSchema = new Schema<ConversationDoc>(
  {
    key: { type: String, required: true },
    participants: { type: [Schema.Types.ObjectId], required: true, ref: 'User' },
    lastMessage: {
      type: new Schema<LastMessage>(
        {
          createdAt: { type: Date, required: true },
          id: { type: Schema.Types.ObjectId, required: true },
          sender: { type: Schema.Types.ObjectId, required: true },
          text: { type: String, required: true },
        },
        { _id: false, strict: 'throw' },
      ),
      default: null,
    },
    lastMessageAt: { type: Date, default: () => new Date() },
    unread: { type: Map, of: Number, default: () => new Map() },
    lastReadAt: { type: Map, of: Date, default: () => new Map() },
    applied: { type: [Schema.Types.ObjectId], default: undefined },
    appliedPrev: { type: [Schema.Types.ObjectId], default: undefined },
    seenUpTo: { type: Map, of: String, default: undefined },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

conversationSchema.index({ key: 1 }, { unique: true });
// "my conversations", most recently active first
conversationSchema.index({ participants: 1, lastMessageAt: -1, _id: -1 });

export function getConversationModel(conn: Connection): ConversationModel {
  return (
    (conn.models.Conversation as ConversationModel | undefined) ??
    conn.model<ConversationDoc>('Conversation', conversationSchema)
  );
}

export function conversationKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
