import type { ContactBook } from '../contacts/contact-book';
import type { PresenceStore } from '../presence/presence-store';
import { clientEvents } from './client-events';
import type { OnEvent } from './socket-events';

/**
 * presence:query answers through the store in force (memory, dual-write or Redis), and only
 * for users the caller may see (contacts/contact-book): everyone else is `false`, not an
 * error, and is not even looked up, so the answer cannot tell "hidden" from "offline".
 */
export function registerPresenceHandlers(
  on: OnEvent,
  deps: { userId: string; presence: PresenceStore; contacts: Pick<ContactBook, 'visibleTo'> },
): void {
  on(clientEvents.presenceQuery, async ({ userIds }) => {
    const ids = [...new Set(userIds)];
    const visible = await deps.contacts.visibleTo(deps.userId, ids);
    const online = visible.size > 0 ? await deps.presence.isOnline([...visible]) : new Map<string, boolean>();
    return { online: Object.fromEntries(ids.map((id) => [id, online.get(id) ?? false])) };
  });
}
