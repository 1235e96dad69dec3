import { type Connection, type Model, Schema, type Types } from 'mongoose';

export const MESSAGE_MAX_CHARS = 2000;

export interface MessageDoc {
  _id: Types.ObjectId;
  conversation: Types.ObjectId;
  sender: Types.ObjectId;
  recipient: Types.ObjectId;
  text: string;
  /** the sender's idempotency key; generated when a REST client sends none */
  clientId: string;
  createdAt: Date;
}

export type MessageModel = Model<MessageDoc>;

const messageSchema = new Schema<MessageDoc>(
  {
    conversation: { type: Schema.Types.ObjectId, required: true, ref: 'Conversation' },
    sender: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    recipient: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    text: { type: String, required: true, maxlength: MESSAGE_MAX_CHARS },
    clientId: { type: String, required: true, maxlength: 64 },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

// A conversation's pages, newest first; _id breaks createdAt ties.
messageSchema.index({ conversation: 1, createdAt: -1, _id: -1 });
// Idempotency lives in the index: the same (sender, clientId) inserted twice, even by two
// instances at once, leaves one document and one E11000. clientId is always set (never
// missing), since FerretDB has no partial indexes to exclude documents without one.
messageSchema.index({ sender: 1, clientId: 1 }, { unique: true });
// sync: "every message to or from this user after a time", oldest first
messageSchema.index({ recipient: 1, createdAt: 1, _id: 1 });
messageSchema.index({ sender: 1, createdAt: 1, _id: 1 });

export function getMessageModel(conn: Connection): MessageModel {
  return (
    (conn.models.Message as MessageModel | undefined) ?? conn.model<MessageDoc>('Message', messageSchema)
  );
}
