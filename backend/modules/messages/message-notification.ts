import type { Actor } from '../notifications/actor-profiles';
import type { PublicNotification } from '../notifications/notification-view';
import type { MessageSummary } from './conversation-update';
import type { PublicMessage } from './message-view';

const PREVIEW_CHARS = 120;

/**
 * A message's notification is derived from the message, never stored: its id is the
 * message's id, and whether it was read is the conversation's business (its unread count and
 * `message:seen`), so it is always pushed and synced unread. This saves a notification insert,
 * a counter upsert and a user read per message.
 */
export function messageNotification(
  message: Pick<PublicMessage, 'id' | 'conversationId' | 'text' | 'createdAt'>,
  actor: Actor,
): PublicNotification {
  return {
    id: message.id,
    kind: 'message',
    actor: { id: actor.id, username: actor.username, name: actor.name },
    conversationId: message.conversationId,
    messageId: message.id,
    text: message.text.slice(0, PREVIEW_CHARS),
    read: false,
    createdAt: message.createdAt,
  };
}

/** The same, from a message as its conversation update carries it (its text a preview). */
export function summaryNotification(m: MessageSummary, actor: Actor): PublicNotification {
  return messageNotification(
    {
      id: m.id,
      conversationId: m.conversation,
      text: m.preview,
      createdAt: new Date(m.createdAt).toISOString(),
    },
    actor,
  );
}
