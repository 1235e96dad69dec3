/**
 * The port through which domain services report what happened after it is persisted.
 * Notifications implement it; services never know about sockets.
 */
export type Activity =
  | { kind: 'follow'; actorId: string; userId: string }
  | { kind: 'like'; actorId: string; userId: string; postId: string }
  | { kind: 'reply'; actorId: string; userId: string; postId: string; replyId: string }
  | FeatureActivity;
// Messages report no activity: their notification is derived from the message
// (modules/messages/message-notification.ts), so a message costs no notification write.

/**
 * Activity of a kind an installed feature registered (NotificationKindSpec): what it is about
 * is one id, shown to clients under the field the kind names.
 */
export interface FeatureActivity {
  kind: string;
  actorId: string;
  userId: string;
  /** the id of what it is about (stored as `subject`, answered under the kind's subjectField) */
  subjectId?: string;
  /** a short text for the notification (previews are cut to 120 characters) */
  text?: string;
}

/** A notification kind a feature records, and the id field its public notification carries. */
export interface NotificationKindSpec {
  /** lower-case words joined by `_`, e.g. `order_shipped`; not one of the core's kinds */
  kind: string;
  /** one line: when it is recorded (for the API docs) */
  summary: string;
  /** the field of the public notification that names the thing it is about, e.g. `orderId` */
  subjectField?: string;
}

export interface ActivitySink {
  record(activity: Activity): Promise<void>;
}
