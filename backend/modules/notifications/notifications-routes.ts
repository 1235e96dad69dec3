import { z } from 'zod';
import { pageQuery } from '../../pagination/page-request';
import type { NotificationKindSpec } from '../../ports/activity-sink';
import { defineApi } from '../../routing/route-spec';
import { routerFor } from '../../routing/router-for';
import { objectId } from '../../validation/object-id';
import { userIdOf } from '../users/user-id-of';
import type { NotificationService } from './notification-service';
import { notificationPageSchemaOf } from './notification-view';

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

/**
 * /api/notifications, its page documented for the core's kinds plus `kinds` (the installed
 * features'): what /openapi.json shows.
 */
export const notificationsApiOf = (kinds: readonly NotificationKindSpec[]) =>
  defineApi({
    prefix: '/api/notifications',
    tag: 'notifications',
    access: 'user',
    routes: {
      list: {
        method: 'get',
        path: '/',
        summary: "The caller's notifications, newest first, with the unread count",
        query: listQuery,
        responses: {
          200: { description: 'a page of notifications', schema: notificationPageSchemaOf(kinds) },
        },
      },
      read: {
        method: 'post',
        path: '/read',
        summary: 'Mark notifications read, by ids or all',
        body: readBody,
        responses: {
          200: {
            description: 'how many changed, and the unread count after',
            schema: z.object({ updated: z.number().int(), unreadCount: z.number().int() }),
          },
        },
      },
    },
  });

/** The routes as mounted (their handlers do not depend on which kinds are installed). */
export const notificationsApi = notificationsApiOf([]);

export function notificationsRoutes(deps: { notifications: NotificationService }) {
  return routerFor(notificationsApi, {
    list: async (req, res, { query }) => {
      res.json(await deps.notifications.list(userIdOf(req), query));
    },
    read: async (req, res, { body }) => {
      res.json(await deps.notifications.markRead(userIdOf(req), 'all' in body ? 'all' : { ids: body.ids }));
    },
  });
}
