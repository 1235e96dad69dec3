import type { MessageSummary } from '../../modules/messages/conversation-update';
import { decodeEntry, encodeEntry, type OutboxJournal } from './outbox-journal';

/** What several memory journals share to stand for one Redis: owner → encoded entries. */
export type JournalsByOwner = Map<string, Set<string>>;

/**
 * The journal in this process's memory: survives nothing, so it is for tests and for one
 * process standing for several instances (each journal an owner in one shared map).
 */
export class MemoryOutboxJournal implements OutboxJournal {
  constructor(
    readonly owner: string,
    private readonly journals: JournalsByOwner = new Map(),
  ) {}

  async add(entries: readonly MessageSummary[]): Promise<void> {
    const mine = this.journals.get(this.owner) ?? new Set<string>();
    for (const e of entries) mine.add(encodeEntry(e));
    this.journals.set(this.owner, mine);
  }

  async remove(entries: readonly MessageSummary[]): Promise<void> {
    const mine = this.journals.get(this.owner);
    if (!mine) return;
    for (const e of entries) mine.delete(encodeEntry(e));
    if (mine.size === 0) this.journals.delete(this.owner);
  }

  async adopt(live: ReadonlySet<string>): Promise<MessageSummary[]> {
    const moved: string[] = [];
    for (const [owner, members] of [...this.journals]) {
      if (owner === this.owner || live.has(owner)) continue;
      this.journals.delete(owner);
      moved.push(...members);
    }
    if (moved.length === 0) return [];
    const mine = this.journals.get(this.owner) ?? new Set<string>();
    for (const m of moved) mine.add(m);
    this.journals.set(this.owner, mine);
    return moved.map(decodeEntry);
  }

  async own(): Promise<MessageSummary[]> {
    return [...(this.journals.get(this.owner) ?? [])].map(decodeEntry);
  }
}
