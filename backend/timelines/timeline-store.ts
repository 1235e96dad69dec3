/** One post in a timeline: enough to order it, page past it and drop it by author. */
export interface TimelineEntry {
  postId: string;
  authorId: string;
  /** the post's createdAt, in ms */
  at: number;
}

/** Where a page starts: strictly older than this (createdAt, _id), the feed's cursor order. */
export interface TimelinePosition {
  at: number;
  postId: string;
}

export interface TimelineWindow {
  /** newest first, at most `count`, merged from the reader's timeline and followed celebrities */
  entries: TimelineEntry[];
  /** false: the reader has no timeline of the current generation, so it cannot answer */
  built: boolean;
  /**
   * a bounded source ran out before `count` entries: older posts exist that the window cannot
   * show, so past its last entry the read-time query answers
   */
  exhausted: boolean;
}

/**
 * Per-reader timelines of post ids, newest first and bounded (the oldest entries fall off), plus
 * per-author lists for authors with too many followers to fan out to, which readers who follow
 * them merge in at read time. The store of posts stays the source of truth: a timeline of an
 * older generation than the store's is not built, and is rebuilt from the posts.
 */
export interface TimelineStore {
  /** entries per timeline and per author list */
  readonly size: number;
  /** fan-out: the entry into each reader's timeline, for readers who have one */
  push(readerIds: readonly string[], entry: TimelineEntry): Promise<void>;
  /** follow backfill: entries into one reader's timeline, if the reader has one */
  add(readerId: string, entries: readonly TimelineEntry[]): Promise<void>;
  /** deletion: the entries out of each reader's timeline */
  remove(readerIds: readonly string[], entries: readonly TimelineEntry[]): Promise<void>;
  /**
   * unfollow: every entry by the author out of the reader's timeline, and the author refused
   * there until `admitAuthor`, a rebuild started after it that reads the author as followed, or
   * UNFOLLOW_HOLD_MS: a fan-out or a rebuild that read the follows before the unfollow writes
   * nothing of the author's into it after, even across a rebuild
   */
  removeAuthor(readerId: string, authorId: string): Promise<void>;
  /** follow: the author's pushes, rebuild entries and celebrity list reach the reader again */
  admitAuthor(readerId: string, authorId: string): Promise<void>;
  /**
   * Starts a rebuild: the old timeline is gone and new pushes land, but it is not built until
   * `finishRebuild`. Refused authors stay refused. Answers the generation to finish it with.
   */
  startRebuild(readerId: string): Promise<number>;
  /**
   * The rebuild's entries (newest `size` posts), the reader's followed celebrities, and every
   * author the rebuild read as followed: those refused before the rebuild started are admitted
   * again first (a follow whose `admitAuthor` was missed); a refusal made since stays, since the
   * rebuild may have read the follows before that unfollow.
   */
  finishRebuild(
    readerId: string,
    generation: number,
    entries: readonly TimelineEntry[],
    celebrities: readonly string[],
    followees: readonly string[],
  ): Promise<void>;
  /** `count` entries older than `before` (or the newest), merged with the followed celebrities' */
  window(readerId: string, before: TimelinePosition | undefined, count: number): Promise<TimelineWindow>;
  /** the reader's timeline and celebrity set gone (account deletion) */
  drop(readerId: string): Promise<void>;
  /** every timeline stale at once: each is rebuilt on its reader's next read */
  invalidateAll(): Promise<void>;
  /**
   * the reader follows (or no longer follows) an author whose posts merge at read time; a
   * follow of an author refused by `removeAuthor` is ignored
   */
  setCelebrityFollow(readerId: string, authorId: string, follows: boolean): Promise<void>;
  /** authors whose posts go to their own list rather than to followers' timelines */
  celebrities(): Promise<string[]>;
  markCelebrity(authorId: string): Promise<void>;
  /** a celebrity's post into the author's own list */
  pushAuthor(entry: TimelineEntry): Promise<void>;
  removeAuthorEntries(entries: readonly TimelineEntry[]): Promise<void>;
}

/**
 * How long an unfollowed author stays refused in the reader's timeline. A fan-out writes a
 * batch of followers moments after reading it (a retry reads the followers again), so a stale
 * write comes within seconds; the hour covers a worker frozen mid-batch. The refusal is exact
 * while it lasts (the reader does not follow the author until `admitAuthor`), so it only bounds
 * the memory of readers who unfollow a lot.
 */
export const UNFOLLOW_HOLD_MS = 3_600_000;

/** Newest first in the feed's order: createdAt, then id (24 hex digits compare as text). */
export function newerFirst(a: TimelinePosition, b: TimelinePosition): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.postId < b.postId ? 1 : a.postId > b.postId ? -1 : 0;
}

export function isOlder(e: TimelinePosition, before: TimelinePosition | undefined): boolean {
  return before === undefined || newerFirst(e, before) > 0;
}

/** Merges newest-first lists, drops duplicates, keeps `count`. */
export function mergeNewest(lists: TimelineEntry[][], count: number): TimelineEntry[] {
  const seen = new Set<string>();
  const out: TimelineEntry[] = [];
  for (const e of lists.flat().sort(newerFirst)) {
    if (seen.has(e.postId)) continue;
    seen.add(e.postId);
    out.push(e);
    if (out.length === count) break;
  }
  return out;
}
