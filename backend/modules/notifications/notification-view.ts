import type { NotificationDoc, NotificationKind } from './notification-model';

export interface PublicNotification {
  id: string;
  kind: NotificationKind;
  actor: { id: string; username: string; name: string };
  postId?: string;
  replyId?: string;
  conversationId?: string;
  messageId?: string;
  gameId?: string;
  text?: string;
  read: boolean;
  createdAt: string;
}

export interface NotificationPage {
  notifications: PublicNotification[];
  unreadCount: number;
  nextCursor: string | null;
}

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
