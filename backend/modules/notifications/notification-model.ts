import { type Connection, type Model, Schema, type Types } from 'mongoose';

/** The core's kinds; installed features register theirs (NotificationKindSpec). */
export const coreNotificationKinds = ['follow', 'like', 'reply', 'message'] as const;
export type CoreNotificationKind = (typeof coreNotificationKinds)[number];

export interface NotificationDoc {
  _id: Types.ObjectId;
  /** who receives it */
  user: Types.ObjectId;
  /** a core kind, or one an installed feature registered */
  kind: string;
  actor: Types.ObjectId;
  // Snapshot of the actor at creation: listing then needs no join (FerretDB has no $lookup),
  // at the price of showing a name as it was when the notification was made.
  actorUsername: string;
  actorName: string;
  post?: Types.ObjectId | undefined;
  reply?: Types.ObjectId | undefined;
  conversation?: Types.ObjectId | undefined;
  message?: Types.ObjectId | undefined;
  /** what a feature's notification is about (its kind says which field clients see it under) */
  subject?: Types.ObjectId | undefined;
  text?: string | undefined;
  read: boolean;
  createdAt: Date;
}

export type NotificationModel = Model<NotificationDoc>;

const notificationSchema = new Schema<NotificationDoc>(
  {
    user: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    // checked by the service against the core's kinds and the installed features'
    kind: { type: String, required: true },
    actor: { type: Schema.Types.ObjectId, required: true, ref: 'User' },
    actorUsername: { type: String, required: true },
    actorName: { type: String, default: '' },
    post: { type: Schema.Types.ObjectId, ref: 'Post' },
    reply: { type: Schema.Types.ObjectId, ref: 'Reply' },
    conversation: { type: Schema.Types.ObjectId, ref: 'Conversation' },
    message: { type: Schema.Types.ObjectId, ref: 'Message' },
    subject: { type: Schema.Types.ObjectId },
    text: { type: String, maxlength: 200 },
    read: { type: Boolean, default: false },
    createdAt: { type: Date, default: () => new Date() },
  },
  { strict: 'throw', versionKey: false },
);

// The list (all or unread only), newest first in cursor order; also serves sync's
// "this user's notifications after a time".
notificationSchema.index({ user: 1, createdAt: -1, _id: -1 });
notificationSchema.index({ user: 1, read: 1, createdAt: -1, _id: -1 });

export function getNotificationModel(conn: Connection): NotificationModel {
  return (
    (conn.models.Notification as NotificationModel | undefined) ??
    conn.model<NotificationDoc>('Notification', notificationSchema)
  );
}
