import { Router } from 'express';
import { pageQuery } from '../../pagination/page-request';
import { idParams } from '../../validation/object-id';
import { parseInput } from '../../validation/parse-input';
import { userIdOf } from '../users/user-id-of';
import { sendMessageInput } from './message-inputs';
import type { MessageService } from './message-service';

export function messagesRoutes(deps: { messages: MessageService }): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const body = parseInput(sendMessageInput, req.body, 'body');
    const { message, created } = await deps.messages.send(userIdOf(req), body);
    res.status(created ? 201 : 200).json({ message });
  });
  return r;
}

export function conversationsRoutes(deps: { messages: MessageService }): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const page = await deps.messages.listConversations(
      userIdOf(req),
      parseInput(pageQuery, req.query, 'query'),
    );
    res.json({ conversations: page.items, nextCursor: page.nextCursor });
  });
  r.get('/:id/messages', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    const page = await deps.messages.listMessages(
      userIdOf(req),
      id,
      parseInput(pageQuery, req.query, 'query'),
    );
    res.json({ messages: page.items, nextCursor: page.nextCursor });
  });
  r.post('/:id/seen', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'params');
    res.json(await deps.messages.markSeen(userIdOf(req), id));
  });
  return r;
}
