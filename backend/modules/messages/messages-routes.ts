import { z } from 'zod';
import { pageOf } from '../../pagination/page-of';
import { pageQuery } from '../../pagination/page-request';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { idParams } from '../../validation/object-id';
import { userIdOf } from '../users/user-id-of';
import { sendMessageInput } from './message-inputs';
import type { MessageService } from './message-service';
import { publicConversationSchema, publicMessageSchema } from './message-view';

const oneMessage = z.object({ message: publicMessageSchema });

export const messagesApi = defineApi({
  prefix: '/api/messages',
  tag: 'messages',
  access: 'user',
  routes: {
    send: {
      method: 'post',
      path: '/',
      summary: 'Send a direct message; the same clientId again answers the first message',
      body: sendMessageInput,
      responses: {
        201: { description: 'sent', schema: oneMessage },
        200: { description: 'already sent with this clientId: the same message', schema: oneMessage },
      },
    },
  },
});

export const conversationsApi = defineApi({
  prefix: '/api/conversations',
  tag: 'messages',
  access: 'user',
  routes: {
    list: {
      method: 'get',
      path: '/',
      summary: "The caller's conversations, most recent first",
      query: pageQuery,
      responses: {
        200: {
          description: 'a page of conversations',
          schema: pageOf('conversations', publicConversationSchema),
        },
      },
    },
    messages: {
      method: 'get',
      path: '/:id/messages',
      summary: 'Messages of a conversation, newest first (participants only)',
      params: idParams,
      query: pageQuery,
      responses: {
        200: { description: 'a page of messages', schema: pageOf('messages', publicMessageSchema) },
      },
    },
    seen: {
      method: 'post',
      path: '/:id/seen',
      summary: 'Mark a conversation read (tells the other participant: message:seen)',
      params: idParams,
      responses: {
        200: { description: 'marked', schema: z.object({ conversationId: z.string(), seenAt: z.string() }) },
      },
    },
  },
});

export function messagesRoutes(deps: { messages: MessageService }) {
  return routerFor(messagesApi, {
    send: async (req, res, { body }) => {
      const { message, created } = await deps.messages.send(userIdOf(req), body);
      res.status(created ? 201 : 200).json({ message });
    },
  });
}

export function conversationsRoutes(deps: { messages: MessageService }) {
  return routerFor(conversationsApi, {
    list: async (req, res, { query }) => {
      const page = await deps.messages.listConversations(userIdOf(req), query);
      res.json({ conversations: page.items, nextCursor: page.nextCursor });
    },
    messages: async (req, res, { params, query }) => {
      const page = await deps.messages.listMessages(userIdOf(req), params.id, query);
      res.json({ messages: page.items, nextCursor: page.nextCursor });
    },
    seen: async (req, res, { params }) => {
      res.json(await deps.messages.markSeen(userIdOf(req), params.id));
    },
  });
}
