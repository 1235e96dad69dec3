import type { ContactBook } from '../contacts/contact-book';
import type { MessageService } from '../modules/messages/message-service';
import type { Notifier } from '../ports/notifier';
import { clientEvents } from './client-events';
import type { OnEvent } from './socket-events';

const NOTHING = Object.freeze({});

/**
 * message:send and message:seen go through the same MessageService as REST (persist, then
 * emit); the sending socket is left out of the fan-out since its ack carries the result.
 * typing is relayed, never stored; the sender is always the socket's user.
 */
export function registerMessageHandlers(
  on: OnEvent,
  deps: {
    userId: string;
    socketId: string;
    messages: MessageService;
    notifier: Notifier;
    contacts: Pick<ContactBook, 'sharesConversation'>;
  },
): void {
  const { userId, socketId } = deps;
  on(clientEvents.messageSend, async (input) => {
    const { message } = await deps.messages.send(userId, input, { socketId });
    return { message };
  });
  on(clientEvents.messageSeen, async ({ conversationId }) => {
    await deps.messages.markSeen(userId, conversationId, { socketId });
    return {};
  });
  // Only to a conversation partner; to anyone else it is dropped silently (an error would
  // tell the sender who is a partner of whom).
  on(clientEvents.typing, ({ recipientId, typing }) => {
    if (recipientId === userId) return NOTHING;
    const relay = (shares: boolean) => {
      if (shares) deps.notifier.toUsers([recipientId], 'typing', { userId, typing });
      return NOTHING;
    };
    // a known pair answers synchronously: no promise, no store read on the relay path
    const shares = deps.contacts.sharesConversation(userId, recipientId);
    return typeof shares === 'boolean' ? relay(shares) : shares.then(relay);
  });
}
