import { type Connection, type Model, Schema, type Types } from 'mongoose';

export interface LastMessage {
  id: Types.ObjectId;
  sender: Types.ObjectId;
  text: string;
  createdAt: Date;
}

/**
 * A two-person conversation. Unread counts and the last message are kept on it, per
 * participant, by the write that sends or reads: FerretDB has no $lookup and no $size
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
          id: { type: Schema.Types.ObjectId, required: true },
          sender: { type: Schema.Types.ObjectId, required: true },
          text: { type: String, required: true },
          createdAt: { type: Date, required: true },
        },
        { _id: false, strict: 'throw' },
      ),
      default: null,
    },
    lastMessageAt: { type: Date, default: () => new Date() },
    unread: { type: Map, of: Number, default: () => new Map() },
    lastReadAt: { type: Map, of: Date, default: () => new Map() },
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
