import { z } from 'zod';
import { objectId } from '../../validation/object-id';
import { MESSAGE_MAX_CHARS } from './message-model';

const clientId = z.string().regex(/^[\w.:-]{1,64}$/, '1–64 characters of letters, digits, _ . : -');

/** Shared with the message:send event so both entry points accept exactly the same input. */
export const sendMessageInput = z.strictObject({
  recipientId: objectId,
  text: z.string().trim().min(1).max(MESSAGE_MAX_CHARS),
  clientId: clientId.optional(),
});

/**
 * The event makes the idempotency key mandatory (a socket client retries with one) and drops
 * unknown keys instead of refusing them: a spoofed `senderId` or `from` is ignored, the sender
 * is always the authenticated socket's user.
 */
export const sendMessageEventInput = z.object({ ...sendMessageInput.shape, clientId });

export const conversationIdInput = z.object({ conversationId: objectId });
