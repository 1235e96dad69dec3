import { z } from 'zod';
import type { ConversationDoc } from './conversation-model';
import type { MessageDoc } from './message-model';

export const publicMessageSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    senderId: z.string(),
    recipientId: z.string(),
    text: z.string(),
    clientId: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Message' });

export type PublicMessage = z.infer<typeof publicMessageSchema>;

export const publicConversationSchema = z
  .object({
    id: z.string(),
    otherUser: z.object({ id: z.string(), username: z.string(), name: z.string() }),
    lastMessage: z
      .object({ id: z.string(), senderId: z.string(), text: z.string(), createdAt: z.string() })
      .nullable(),
    unreadCount: z.number().int(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Conversation' });

export type PublicConversation = z.infer<typeof publicConversationSchema>;

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
