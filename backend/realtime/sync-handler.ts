import { z } from 'zod';
import type { SyncService } from '../modules/sync/sync-service';
import type { OnEvent } from './socket-events';

const syncInput = z.object({ since: z.iso.datetime({ offset: true }) });

/** sync {since}: what this user missed; see SyncService for the cap and how to page on. */
export function registerSyncHandler(on: OnEvent, deps: { userId: string; sync: SyncService }): void {
  on('sync', syncInput, async ({ since }) => deps.sync.since(deps.userId, new Date(since)));
}
