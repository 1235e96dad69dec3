import type { LaneEntry } from '../messages/lane-journal';
import type { PublicMessage } from '../messages/message-view';
import type { Actor } from './actor-profiles';
import type { PublicNotification } from './notification-view';

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

/** The same, from a message as the conversation updates carry it (its text a preview). */
export function entryNotification(e: LaneEntry, actor: Actor): PublicNotification {
  return messageNotification(
    {
      id: e.id,
      conversationId: e.conversation,
      text: e.preview,
      createdAt: new Date(e.createdAt).toISOString(),
    },
    actor,
  );
}
