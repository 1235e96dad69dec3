import type { MessageService } from '../messages/message-service';
import { type PublicMessage, toPublicMessage } from '../messages/message-view';

import type { NotificationService } from '../notifications/notification-service';
import { type PublicNotification, toPublicNotification } from '../notifications/notification-view';

/** Per kind and per call; a client with more to catch up calls again from `until`. */
export const SYNC_LIMIT = 200;
/** rows of one millisecond answered together when they alone exceed SYNC_LIMIT */
const TIE_LIMIT = 10_000;

export interface SyncResult {
  messages: PublicMessage[];
  notifications: PublicNotification[];
  /** true when more rows exist after `until`: call again with since = until */
  hasMore: boolean;
  /** everything in (since, until] has been returned */
  until: string;
}

interface Timed {
  createdAt: Date;
}

/**
 * What a reconnecting client missed, so a dropped emit costs nothing: every message to or
 * from the user and every notification of the user created after `since`, oldest first.
 *
 * Both lists are cut at one instant `until` so that the answer is exactly "everything in
 * (since, until]" and the next call can start at `until` without a gap or a repeat. Rows
 * sharing the cut's millisecond are all left for the next call, so a cap never splits a tie.
 */
export class SyncService {
  constructor(
    private readonly deps: { messages: MessageService; notifications: NotificationService; limit?: number },
  ) {}

  async since(userId: string, since: Date): Promise<SyncResult> {
    const limit = this.deps.limit ?? SYNC_LIMIT;
    let [messages, notifications] = await Promise.all([
      this.deps.messages.createdAfter(userId, since, limit),
      this.deps.notifications.createdAfter(userId, since, limit),
    ]);
    const cuts = [cutOf(messages, limit), cutOf(notifications, limit)].filter(
      (c): c is Date => c !== undefined,
    );
    let cut = cuts.length > 0 ? Math.min(...cuts.map((d) => d.getTime())) : undefined;
    let cap = limit;
    if (cut !== undefined && cut - 1 <= since.getTime()) {
      // More than `limit` rows in the very next millisecond: no cut inside it is safe, so
      // that millisecond is answered whole (bounded by TIE_LIMIT) and the cut moves past it.
      const tie = new Date(cut);
      [messages, notifications] = await Promise.all([
        this.deps.messages.createdAfter(userId, since, TIE_LIMIT, tie),
        this.deps.notifications.createdAfter(userId, since, TIE_LIMIT, tie),
      ]);
      cut += 1;
      cap = TIE_LIMIT;
    }
    const upTo = <T extends Timed>(rows: T[]) =>
      rows.slice(0, cap).filter((r) => cut === undefined || r.createdAt.getTime() < cut);
    const keptMessages = upTo(messages);
    const keptNotifications = upTo(notifications);
    const newest = [...keptMessages, ...keptNotifications].reduce(
      (max, r) => Math.max(max, r.createdAt.getTime()),
      since.getTime(),
    );
    return {
      messages: keptMessages.map(toPublicMessage),
      notifications: keptNotifications.map(toPublicNotification),
      hasMore: cut !== undefined,
      // With a cut, rows from the cut's millisecond on were held back: resume just before it.
      until: new Date(cut !== undefined ? cut - 1 : newest).toISOString(),
    };
  }
}

/** The instant from which rows were not returned, or undefined when the list was complete. */
function cutOf(rows: Timed[], limit: number): Date | undefined {
  return rows.length > limit ? rows[limit]!.createdAt : undefined;
}
