import { z } from 'zod';
import type { NotificationKindSpec } from '../../ports/activity-sink';
import { coreNotificationKinds, type NotificationDoc } from './notification-model';

/** A notification as clients see it, in REST answers, `notification:new` and `sync`. */
export interface PublicNotification {
  id: string;
  /** a core kind (follow, like, reply, message) or one an installed feature registered */
  kind: string;
  actor: { id: string; username: string; name: string };
  postId?: string;
  replyId?: string;
  conversationId?: string;
  messageId?: string;
  text?: string;
  read: boolean;
  createdAt: string;
  /** a feature kind's subject id, under the field its kind names (e.g. `orderId`) */
  [subjectField: string]: unknown;
}

/**
 * The public notification's schema for the core's kinds plus `kinds` (the installed features'):
 * each kind's `subjectField` is an optional id field. The API documents are generated from it,
 * so they list exactly the kinds and fields this build answers.
 */
export function notificationSchemaOf(kinds: readonly NotificationKindSpec[] = []) {
  const bySubject = new Map<string, string[]>();
  for (const k of kinds)
    if (k.subjectField) bySubject.set(k.subjectField, [...(bySubject.get(k.subjectField) ?? []), k.kind]);
  const subjects = Object.fromEntries(
    [...bySubject].map(([field, of]) => [
      field,
      z
        .string()
        .optional()
        .meta({ description: `what it is about, on ${of.join(', ')}` }),
    ]),
  );
  const described = kinds.map((k) => `${k.kind}: ${k.summary}`).join('; ');
  return z
    .object({
      id: z.string(),
      kind: z
        .enum([...coreNotificationKinds, ...kinds.map((k) => k.kind)])
        .meta(described ? { description: described } : {}),
      actor: z.object({ id: z.string(), username: z.string(), name: z.string() }),
      postId: z.string().optional(),
      replyId: z.string().optional(),
      conversationId: z.string().optional(),
      messageId: z.string().optional(),
      ...subjects,
      text: z.string().optional(),
      read: z.boolean(),
      createdAt: z.string(),
    })
    .meta({ id: 'Notification' });
}

/** `GET /api/notifications`'s answer, for the core's kinds plus `kinds`. */
export function notificationPageSchemaOf(kinds: readonly NotificationKindSpec[] = []) {
  return z.object({
    notifications: z.array(notificationSchemaOf(kinds)),
    unreadCount: z.number().int(),
    nextCursor: z.string().nullable(),
  });
}

/** The core's kinds only: a build with no feature that records notifications. */
export const publicNotificationSchema = notificationSchemaOf();
export const notificationPageSchema = notificationPageSchemaOf();

export interface NotificationPage {
  notifications: PublicNotification[];
  unreadCount: number;
  nextCursor: string | null;
}

/** Which field of the public notification carries a kind's subject (undefined: none). */
export type SubjectFieldOf = (kind: string) => string | undefined;

/** `subjectFieldOf` answers for the installed kinds (NotificationService.toPublic binds it). */
export function toPublicNotification(d: NotificationDoc, subjectFieldOf: SubjectFieldOf): PublicNotification {
  const subjectField = d.subject ? subjectFieldOf(d.kind) : undefined;
  return {
    id: d._id.toHexString(),
    kind: d.kind,
    actor: { id: d.actor.toHexString(), username: d.actorUsername, name: d.actorName },
    ...(d.post ? { postId: d.post.toHexString() } : {}),
    ...(d.reply ? { replyId: d.reply.toHexString() } : {}),
    ...(d.conversation ? { conversationId: d.conversation.toHexString() } : {}),
    ...(d.message ? { messageId: d.message.toHexString() } : {}),
    ...(subjectField && d.subject ? { [subjectField]: d.subject.toHexString() } : {}),
    ...(d.text !== undefined ? { text: d.text } : {}),
    read: d.read,
    createdAt: d.createdAt.toISOString(),
  };
}
