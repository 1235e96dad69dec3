import { z } from 'zod';
import { type NotificationDoc, notificationKinds } from './notification-model';

export const publicNotificationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(notificationKinds),
    actor: z.object({ id: z.string(), username: z.string(), name: z.string() }),
    postId: z.string().optional(),
    replyId: z.string().optional(),
    conversationId: z.string().optional(),
    messageId: z.string().optional(),
    gameId: z.string().optional(),
    text: z.string().optional(),
    read: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });

export type PublicNotification = z.infer<typeof publicNotificationSchema>;

export const notificationPageSchema = z.object({
  notifications: z.array(publicNotificationSchema),
  unreadCount: z.number().int(),
  nextCursor: z.string().nullable(),
});

export type NotificationPage = z.infer<typeof notificationPageSchema>;

export function toPublicNotification(d: NotificationDoc): PublicNotification {
  return {
    id: d._id.toHexString(),
    kind: d.kind,
    actor: { id: d.actor.toHexString(), username: d.actorUsername, name: d.actorName },
    ...(d.post ? { postId: d.post.toHexString() } : {}),
    ...(d.reply ? { replyId: d.reply.toHexString() } : {}),
    ...(d.conversation ? { conversationId: d.conversation.toHexString() } : {}),
    ...(d.message ? { messageId: d.message.toHexString() } : {}),
    ...(d.game ? { gameId: d.game.toHexString() } : {}),
    ...(d.text !== undefined ? { text: d.text } : {}),
    read: d.read,
    createdAt: d.createdAt.toISOString(),
  };
}
