import type { ConversationDoc } from './conversation-model';
import type { MessageDoc } from './message-model';

export interface PublicMessage {
  id: string;
  conversationId: string;
  senderId: string;
  recipientId: string;
  text: string;
  clientId: string;
  createdAt: string;
}

export interface PublicConversation {
  id: string;
  otherUser: { id: string; username: string; name: string };
  lastMessage: { id: string; senderId: string; text: string; createdAt: string } | null;
  unreadCount: number;
  updatedAt: string;
}

function mapValue<V>(m: Map<string, V> | Record<string, V> | undefined, key: string): V | undefined {
  if (!m) return undefined;
  return m instanceof Map ? m.get(key) : m[key];
}

export function toPublicMessage(m: MessageDoc): PublicMessage {
  return {
    id: m._id.toHexString(),
    conversationId: m.conversation.toHexString(),
    senderId: m.sender.toHexString(),
    recipientId: m.recipient.toHexString(),
    text: m.text,
    clientId: m.clientId,
    createdAt: m.createdAt.toISOString(),
  };
}

export function toPublicConversation(
  c: ConversationDoc,
  userId: string,
  otherUser: PublicConversation['otherUser'],
): PublicConversation {
  return {
    id: c._id.toHexString(),
    otherUser,
    lastMessage: c.lastMessage
      ? {
          id: c.lastMessage.id.toHexString(),
          senderId: c.lastMessage.sender.toHexString(),
          text: c.lastMessage.text,
          createdAt: c.lastMessage.createdAt.toISOString(),
        }
      : null,
    unreadCount: mapValue(c.unread, userId) ?? 0,
    updatedAt: c.lastMessageAt.toISOString(),
  };
}
