import { Router } from 'express';
import { z } from 'zod';
import { pageQuery } from '../../pagination/page-request';
import { objectId } from '../../validation/object-id';
import { parseInput } from '../../validation/parse-input';
import { userIdOf } from '../users/user-id-of';
import type { NotificationService } from './notification-service';

const listQuery = pageQuery.extend({
  unread: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

const readBody = z.union([
  z.strictObject({ ids: z.array(objectId).min(1).max(100) }),
  z.strictObject({ all: z.literal(true) }),
]);

export function notificationsRoutes(deps: { notifications: NotificationService }): Router {
  const r = Router();
  r.get('/', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json(await deps.notifications.list(userIdOf(req), query));
  });
  r.post('/read', async (req, res) => {
    const body = parseInput(readBody, req.body, 'body');
    res.json(await deps.notifications.markRead(userIdOf(req), 'all' in body ? 'all' : { ids: body.ids }));
  });
  return r;
}
