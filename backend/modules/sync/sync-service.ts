import { messageNotification } from '../messages/message-notification';
import type { MessageService } from '../messages/message-service';
import { type PublicMessage, toPublicMessage } from '../messages/message-view';
import type { ActorProfiles } from '../notifications/actor-profiles';
import type { NotificationService } from '../notifications/notification-service';
import type { PublicNotification } from '../notifications/notification-view';
import type { SyncSource } from './sync-source';

/** Per kind and per call; a client with more to catch up calls again from `until`. */
export const SYNC_LIMIT = 200;
/** rows of one millisecond answered together when they alone exceed SYNC_LIMIT */
const TIE_LIMIT = 10_000;

export interface SyncResult {
  messages: PublicMessage[];
  notifications: PublicNotification[];
  /** true when more rows exist after `until`: call again with since = until */
  hasMore: boolean;
  /**
   * Everything in (since, until] has been returned, and nothing committed later can land in
   * it: resume from here. Never later than now minus the settle window, so rows after it may
   * come again on the next call (dedupe by id).
   */
  until: string;
  /**
   * each installed feature's rows under its source's key: the user's rows that changed in
   * (since, until], each as it is now, oldest change first
   */
  [key: string]: unknown;
}

/** One kind of row: its reader (oldest first after `since`, up to `upTo`, limit + 1 rows) and its time. */
interface Source<R> {
  read(userId: string, since: Date, limit: number, upTo?: Date): Promise<R[]>;
  timeOf(row: R): Date;
}

/**
 * What a reconnecting client missed, so a dropped emit costs nothing: every message to or
 * from the user, every notification of the user created after `since`, and every row of an
 * installed feature's sources changed after it, oldest first.
 *
 * All lists are cut at one instant `until` so that the answer is exactly "everything in
 * (since, until]" and the next call can start at `until` without a gap or a repeat. Rows
 * sharing the cut's millisecond are all left for the next call, so a cap never splits a tie.
 * A feature's row may be mutable, so it is answered with its state at read time, which is
 * never older than the change that put it in the window.
 *
 * Message notifications are not stored: each message to the user comes with its derived
 * notification (messages/message-notification.ts).
 *
 * Times are an instance's clock when the write was formed, not commit order: a message can
 * commit after a read that returned later ones (a batch still in flight, another instance's
 * clock behind). So the last page's `until` never passes now − settleMs, and anything
 * committed within that window of its time is after `until` and comes on the next call.
 */
export class SyncService {
  private readonly sources: {
    messages: Source<Awaited<ReturnType<MessageService['createdAfter']>>[number]>;
    notifications: Source<Awaited<ReturnType<NotificationService['createdAfter']>>[number]>;
  };

  constructor(
    private readonly deps: {
      messages: Pick<MessageService, 'createdAfter'>;
      notifications: Pick<NotificationService, 'createdAfter' | 'toPublic'>;
      actors: Pick<ActorProfiles, 'many'>;
      /** what installed features add, each under its own key */
      // biome-ignore lint/suspicious/noExplicitAny: each source has its own row type
      extra?: readonly SyncSource<any>[];
      settleMs: number;
      limit?: number;
      now?: () => number;
    },
  ) {
    this.sources = {
      messages: { read: (...a) => deps.messages.createdAfter(...a), timeOf: (r) => r.createdAt },
      notifications: { read: (...a) => deps.notifications.createdAfter(...a), timeOf: (r) => r.createdAt },
    };
  }

  async since(userId: string, since: Date): Promise<SyncResult> {
    const limit = this.deps.limit ?? SYNC_LIMIT;
    const { messages: m, notifications: n } = this.sources;
    const extra = this.deps.extra ?? [];
    const all: Source<unknown>[] = [m, n, ...extra] as Source<unknown>[];
    const readAll = (cap: number, upTo?: Date) =>
      Promise.all(all.map((s) => s.read(userId, since, cap, upTo)));
    let rows = await readAll(limit);
    const cuts = rows.map((r, i) => cutOf(r, all[i]!, limit)).filter((c): c is Date => c !== undefined);
    let cut = cuts.length > 0 ? Math.min(...cuts.map((d) => d.getTime())) : undefined;
    let cap = limit;
    if (cut !== undefined && cut - 1 <= since.getTime()) {
      // More than `limit` rows in the very next millisecond: no cut inside it is safe, so
      // that millisecond is answered whole (bounded by TIE_LIMIT) and the cut moves past it.
      rows = await readAll(TIE_LIMIT, new Date(cut));
      cut += 1;
      cap = TIE_LIMIT;
    }
    const kept = rows.map((r, i) =>
      r.slice(0, cap).filter((row) => cut === undefined || all[i]!.timeOf(row).getTime() < cut),
    );
    const newest = kept.reduce(
      (max, r, i) => r.reduce<number>((mx, row) => Math.max(mx, all[i]!.timeOf(row).getTime()), max),
      since.getTime(),
    );
    const [keptMessageRows, keptNotificationRows, ...keptExtra] = kept as [
      Awaited<ReturnType<MessageService['createdAfter']>>,
      Awaited<ReturnType<NotificationService['createdAfter']>>,
      ...unknown[][],
    ];
    const keptMessages = keptMessageRows.map(toPublicMessage);
    // stored message notifications (written before they were derived) would come twice
    const keptNotifications = keptNotificationRows
      .filter((row) => row.kind !== 'message')
      .map(this.deps.notifications.toPublic);
    const settled = (this.deps.now?.() ?? Date.now()) - this.deps.settleMs;
    const result: SyncResult = {
      messages: keptMessages,
      notifications: await this.withMessageNotifications(userId, keptMessages, keptNotifications),
      hasMore: cut !== undefined,
      // With a cut, rows from the cut's millisecond on were held back: page on from just
      // before it. The last page's `until` is the settled one to keep for the next sync.
      until: new Date(cut !== undefined ? cut - 1 : Math.min(newest, settled)).toISOString(),
    };
    extra.forEach((source, i) => {
      result[source.key] = keptExtra[i]!.map((row) => source.toPublic(row as never));
    });
    return result;
  }

  private async withMessageNotifications(
    userId: string,
    messages: PublicMessage[],
    stored: PublicNotification[],
  ): Promise<PublicNotification[]> {
    const toMe = messages.filter((m) => m.recipientId === userId);
    if (toMe.length === 0) return stored;
    const actors = await this.deps.actors.many(toMe.map((m) => m.senderId));
    const derived = toMe.flatMap((m) => {
      const actor = actors.get(m.senderId);
      return actor ? [messageNotification(m, actor)] : [];
    });
    return [...stored, ...derived].sort(
      (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  }
}

/** The instant from which rows were not returned, or undefined when the list was complete. */
function cutOf<R>(rows: R[], source: Source<R>, limit: number): Date | undefined {
  return rows.length > limit ? source.timeOf(rows[limit]!) : undefined;
}
