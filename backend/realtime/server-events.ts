import { z } from 'zod';
import { appErrorSchema } from '../errors/error-envelope';
import { publicMessageSchema } from '../modules/messages/message-view';
import { publicNotificationSchema } from '../modules/notifications/notification-view';

/** One server → client event and its payload, as the AsyncAPI document describes it. */
export interface ServerEvent {
  name: string;
  summary: string;
  payload: z.ZodType;
}

/**
 * Every event the core emits (notifier.toUsers… and socket.emit calls); installed features
 * declare theirs. The API docs test fails when the code emits a name missing from both, or one
 * declared is never emitted.
 */
export const serverEvents: ServerEvent[] = [
  {
    name: 'session:revoked',
    summary: 'The session was revoked (logout, password change); the socket is then disconnected',
    payload: appErrorSchema,
  },
  {
    name: 'session:expired',
    summary: "The token's lifetime ended; the socket is then disconnected",
    payload: appErrorSchema,
  },
  {
    name: 'message:new',
    summary: "A message, to the recipient's devices and the sender's other devices",
    payload: z.object({ message: publicMessageSchema }),
  },
  {
    name: 'message:seen',
    summary: "A conversation was read, to the other participant and the reader's other devices",
    payload: z.object({ conversationId: z.string(), by: z.string(), at: z.string() }),
  },
  {
    name: 'typing',
    summary: 'A conversation partner is (not) typing',
    payload: z.object({ userId: z.string(), typing: z.boolean() }),
  },
  {
    name: 'presence:changed',
    summary: 'A followed user came online or went offline',
    payload: z.object({ userId: z.string(), online: z.boolean() }),
  },
  {
    name: 'notification:new',
    summary: 'A notification for the user',
    payload: z.object({ notification: publicNotificationSchema }),
  },
];
