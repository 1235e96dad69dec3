import {
  isOlder,
  mergeNewest,
  newerFirst,
  type TimelineEntry,
  type TimelinePosition,
  type TimelineStore,
  type TimelineWindow,
  UNFOLLOW_HOLD_MS,
} from './timeline-store';

interface List {
  /** newest first */
  entries: TimelineEntry[];
  /** entries fell off the end */
  truncated: boolean;
}

interface Timeline extends List {
  generation: number;
}

/** Timelines in this process: tests, and a single instance without Redis. */
export class MemoryTimelineStore implements TimelineStore {
  private generation = 1;
  private readonly timelines = new Map<string, Timeline>();
  private readonly celebrityFollows = new Map<string, Set<string>>();
  private readonly celebrityIds = new Set<string>();
  private readonly authorLists = new Map<string, List>();
  /** per reader, unfollowed author → when, and its place in `order` */
  private readonly refused = new Map<string, Map<string, { at: number; order: number }>>();
  /** per reader, the `order` of the rebuild under way */
  private readonly rebuildStarted = new Map<string, number>();
  /** orders refusals and rebuild starts exactly, where two may share a millisecond */
  private order = 0;

  constructor(
    readonly size: number,
    private readonly hooks: {
      /** awaited before a push applies: lets a test put another write between a fan-out's read and its write */
      beforePush?: (readerIds: readonly string[], entry: TimelineEntry) => Promise<void>;
    } = {},
  ) {}

  async push(readerIds: readonly string[], entry: TimelineEntry): Promise<void> {
    await this.hooks.beforePush?.(readerIds, entry);
    for (const id of readerIds) {
      const t = this.timelines.get(id);
      if (t) this.insert(t, this.admitted(id, [entry]));
    }
  }

  async add(readerId: string, entries: readonly TimelineEntry[]): Promise<void> {
    const t = this.timelines.get(readerId);
    if (t) this.insert(t, this.admitted(readerId, entries));
  }

  async remove(readerIds: readonly string[], entries: readonly TimelineEntry[]): Promise<void> {
    const gone = new Set(entries.map((e) => e.postId));
    for (const id of readerIds) {
      const t = this.timelines.get(id);
      if (t) t.entries = t.entries.filter((e) => !gone.has(e.postId));
    }
  }

  async removeAuthor(readerId: string, authorId: string): Promise<void> {
    const now = Date.now();
    const refused = this.refused.get(readerId) ?? new Map<string, { at: number; order: number }>();
    for (const [a, r] of refused) if (r.at < now - UNFOLLOW_HOLD_MS) refused.delete(a);
    this.order += 1;
    refused.set(authorId, { at: now, order: this.order });
    this.refused.set(readerId, refused);
    const t = this.timelines.get(readerId);
    if (t) t.entries = t.entries.filter((e) => e.authorId !== authorId);
  }

  async admitAuthor(readerId: string, authorId: string): Promise<void> {
    this.refused.get(readerId)?.delete(authorId);
  }

  async startRebuild(readerId: string): Promise<number> {
    this.timelines.set(readerId, { entries: [], truncated: false, generation: 0 });
    this.celebrityFollows.delete(readerId);
    this.order += 1;
    this.rebuildStarted.set(readerId, this.order);
    return this.generation;
  }

  async finishRebuild(
    readerId: string,
    generation: number,
    entries: readonly TimelineEntry[],
    celebrities: readonly string[],
    followees: readonly string[],
  ): Promise<void> {
    const t = this.timelines.get(readerId);
    if (!t) return;
    const started = this.rebuildStarted.get(readerId) ?? 0;
    const refused = this.refused.get(readerId);
    if (refused)
      for (const f of followees) if ((refused.get(f)?.order ?? started) < started) refused.delete(f);
    this.insert(t, this.admitted(readerId, entries));
    if (entries.length >= this.size) t.truncated = true;
    const set = this.celebrityFollows.get(readerId) ?? new Set<string>();
    for (const c of celebrities) if (!this.isRefused(readerId, c)) set.add(c);
    this.celebrityFollows.set(readerId, set);
    t.generation = generation;
  }

  async window(
    readerId: string,
    before: TimelinePosition | undefined,
    count: number,
  ): Promise<TimelineWindow> {
    const t = this.timelines.get(readerId);
    if (!t || t.generation !== this.generation) return { entries: [], built: false, exhausted: false };
    const sources: List[] = [t];
    for (const c of this.celebrityFollows.get(readerId) ?? [])
      sources.push(this.authorLists.get(c) ?? { entries: [], truncated: false });
    let exhausted = false;
    const lists = sources.map((s) => {
      const older = s.entries.filter((e) => isOlder(e, before)).slice(0, count);
      if (older.length < count && s.truncated) exhausted = true;
      return older;
    });
    return { entries: mergeNewest(lists, count), built: true, exhausted };
  }

  async drop(readerId: string): Promise<void> {
    this.timelines.delete(readerId);
    this.refused.delete(readerId);
    this.rebuildStarted.delete(readerId);
    this.celebrityFollows.delete(readerId);
  }

  async invalidateAll(): Promise<void> {
    this.generation += 1;
  }

  async setCelebrityFollow(readerId: string, authorId: string, follows: boolean): Promise<void> {
    if (follows && this.isRefused(readerId, authorId)) return;
    const set = this.celebrityFollows.get(readerId) ?? new Set<string>();
    if (follows) set.add(authorId);
    else set.delete(authorId);
    this.celebrityFollows.set(readerId, set);
  }

  async celebrities(): Promise<string[]> {
    return [...this.celebrityIds];
  }

  async markCelebrity(authorId: string): Promise<void> {
    this.celebrityIds.add(authorId);
  }

  async pushAuthor(entry: TimelineEntry): Promise<void> {
    const list = this.authorLists.get(entry.authorId) ?? { entries: [], truncated: false };
    this.authorLists.set(entry.authorId, list);
    this.insert(list, [entry]);
  }

  async removeAuthorEntries(entries: readonly TimelineEntry[]): Promise<void> {
    for (const e of entries) {
      const list = this.authorLists.get(e.authorId);
      if (list) list.entries = list.entries.filter((x) => x.postId !== e.postId);
    }
  }

  private isRefused(readerId: string, authorId: string): boolean {
    return this.refused.get(readerId)?.has(authorId) ?? false;
  }

  private admitted(readerId: string, entries: readonly TimelineEntry[]): TimelineEntry[] {
    return entries.filter((e) => !this.isRefused(readerId, e.authorId));
  }

  private insert(list: List, entries: readonly TimelineEntry[]): void {
    const byId = new Map(list.entries.map((e) => [e.postId, e]));
    for (const e of entries) byId.set(e.postId, e);
    const sorted = [...byId.values()].sort(newerFirst);
    if (sorted.length > this.size) list.truncated = true;
    list.entries = sorted.slice(0, this.size);
  }
}
