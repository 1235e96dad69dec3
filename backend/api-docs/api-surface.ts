import { z } from 'zod';
import { notificationSchemaOf } from '../modules/notifications/notification-view';
import { notificationsApi, notificationsApiOf } from '../modules/notifications/notifications-routes';
import type { NotificationKindSpec } from '../ports/activity-sink';
import type { ClientEvent } from '../realtime/client-events';
import { clientEvents } from '../realtime/client-events';
import type { ServerEvent } from '../realtime/server-events';
import { serverEvents } from '../realtime/server-events';
import type { ApiGroup } from '../routing/route-spec';
import { apiGroups } from './api-groups';

/** Everything a client can call or receive: what /openapi.json and /asyncapi.json describe. */
export interface ApiSurface {
  groups: readonly ApiGroup[];
  clientEvents: readonly ClientEvent[];
  serverEvents: readonly ServerEvent[];
}

/** What an installed feature adds to the surface (the matching fields of its descriptor). */
export interface SurfacePart {
  api?: readonly ApiGroup[];
  clientEvents?: readonly ClientEvent[];
  serverEvents?: readonly ServerEvent[];
  syncRows?: readonly { key: string; schema: z.ZodType }[];
  notificationKinds?: readonly NotificationKindSpec[];
}

/**
 * The core's surface plus each part's, in order. The `sync` reply gains a list per sync row a
 * part declares, so the documented reply is the one the server answers.
 */
export function apiSurface(parts: readonly SurfacePart[]): ApiSurface {
  const rows = parts.flatMap((p) => p.syncRows ?? []);
  const kinds = parts.flatMap((p) => p.notificationKinds ?? []);
  const notification = notificationSchemaOf(kinds);
  const sync: ClientEvent = {
    ...clientEvents.sync,
    reply: clientEvents.sync.reply.extend({
      notifications: z.array(notification),
      ...Object.fromEntries(rows.map((r) => [r.key, z.array(r.schema)])),
    }),
  };
  return {
    groups: [
      ...apiGroups.map((g) => (g === notificationsApi ? notificationsApiOf(kinds) : g)),
      ...parts.flatMap((p) => p.api ?? []),
    ],
    clientEvents: [
      ...Object.values(clientEvents).map((e) => (e === clientEvents.sync ? sync : e)),
      ...parts.flatMap((p) => p.clientEvents ?? []),
    ],
    serverEvents: [
      ...serverEvents.map((e) =>
        e.name === 'notification:new' ? { ...e, payload: z.object({ notification }) } : e,
      ),
      ...parts.flatMap((p) => p.serverEvents ?? []),
    ],
  };
}
