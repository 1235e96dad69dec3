import { type Connection, type Model, Schema, type Types } from 'mongoose';

/**
 * Unread notifications per user, kept beside the notifications rather than counted: a count
 * over the collection is a full scan on FerretDB (it never uses an index) and a per-request
 * cost on MongoDB. Moved only by the write that changed a notification's read state.
 */
export interface UnreadCounterDoc {
  _id: Types.ObjectId;
  user: Types.ObjectId;
  unread: number;
}

export type UnreadCounterModel = Model<UnreadCounterDoc>;

const unreadCounterSchema = new Schema<UnreadCounterDoc>(
  {
    user: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    unread: { type: Number, default: 0 },
  },
  { strict: 'throw', versionKey: false, collection: 'notification_unread_counters' },
);

unreadCounterSchema.index({ user: 1 }, { unique: true });

export function getUnreadCounterModel(conn: Connection): UnreadCounterModel {
  return (
    (conn.models.NotificationUnreadCounter as UnreadCounterModel | undefined) ??
    conn.model<UnreadCounterDoc>('NotificationUnreadCounter', unreadCounterSchema)
  );
}
