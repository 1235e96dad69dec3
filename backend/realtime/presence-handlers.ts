import { z } from 'zod';
import type { PresenceStore } from '../presence/presence-store';
import { objectId } from '../validation/object-id';
import type { OnEvent } from './socket-events';

export const PRESENCE_QUERY_MAX = 100;

const presenceQueryInput = z.object({ userIds: z.array(objectId).min(1).max(PRESENCE_QUERY_MAX) });

/** presence:query answers through the store in force (memory, dual-write or Redis). */
export function registerPresenceHandlers(on: OnEvent, deps: { presence: PresenceStore }): void {
  on('presence:query', presenceQueryInput, async ({ userIds }) => {
    const online = await deps.presence.isOnline([...new Set(userIds)]);
    return { online: Object.fromEntries(online) };
  });
}
