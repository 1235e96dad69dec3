import type { SyncService } from '../modules/sync/sync-service';
import { clientEvents } from './client-events';
import type { OnEvent } from './socket-events';

/** sync {since}: what this user missed; see SyncService for the cap and how to page on. */
export function registerSyncHandler(on: OnEvent, deps: { userId: string; sync: SyncService }): void {
  on(clientEvents.sync, async ({ since }) => deps.sync.since(deps.userId, new Date(since)));
}
