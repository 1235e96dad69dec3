import { z } from 'zod';
import { conversationIdInput, sendMessageEventInput } from '../modules/messages/message-inputs';
import { publicMessageSchema } from '../modules/messages/message-view';
import { publicNotificationSchema } from '../modules/notifications/notification-view';
import { objectId } from '../validation/object-id';

/** Max user ids in one presence:query. */
export const PRESENCE_QUERY_MAX = 100;

/**
 * One client → server event: the payload schema its handler is given parsed input from
 * (eventRegistrar), and what a successful ack carries besides `ok: true`. The AsyncAPI
 * document is generated from these, so an event cannot be registered without a description.
 */
export interface ClientEvent<P extends z.ZodType = z.ZodType, R extends z.ZodObject = z.ZodObject> {
  name: string;
  summary: string;
  payload: P;
  /** the ack on success, without `ok`; a failure is `{ok: false, error}` */
  reply: R;
  /** false for events a client sends without waiting (an ack is still answered when given) */
  acked?: boolean;
}

export function clientEvent<P extends z.ZodType, R extends z.ZodObject>(
  e: ClientEvent<P, R>,
): ClientEvent<P, R> {
  return e;
}

const empty = z.object({});

export const clientEvents = {
  messageSend: clientEvent({
    name: 'message:send',
    summary: 'Send a direct message (same clientId again: the same message)',
    payload: sendMessageEventInput,
    reply: z.object({ message: publicMessageSchema }),
  }),
  messageSeen: clientEvent({
    name: 'message:seen',
    summary: 'Mark a conversation read',
    payload: conversationIdInput,
    reply: empty,
  }),
  typing: clientEvent({
    name: 'typing',
    summary: 'Relayed to a conversation partner only; dropped silently otherwise',
    payload: z.object({ recipientId: objectId, typing: z.boolean() }),
    reply: empty,
    acked: false,
  }),
  presenceQuery: clientEvent({
    name: 'presence:query',
    summary: 'Who is online, among users the caller follows or shares a conversation with (false for others)',
    payload: z.object({ userIds: z.array(objectId).min(1).max(PRESENCE_QUERY_MAX) }),
    reply: z.object({ online: z.record(z.string(), z.boolean()) }),
  }),
  sync: clientEvent({
    name: 'sync',
    summary:
      "Everything for this user after `since` (and each installed feature's rows); call again from `until` while hasMore",
    payload: z.object({ since: z.iso.datetime({ offset: true }) }),
    reply: z.object({
      messages: z.array(publicMessageSchema),
      notifications: z.array(publicNotificationSchema),
      hasMore: z.boolean(),
      until: z.string(),
    }),
  }),
};
