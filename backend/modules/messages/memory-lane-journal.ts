import { decodeEntry, encodeEntry, type LaneEntry, type LaneJournal } from './lane-journal';

/** What several memory journals share to stand for one Redis: owner → encoded entries. */
export type MemoryLaneShelf = Map<string, Set<string>>;

/**
 * The journal in this process's memory: survives nothing, so it is for tests and for one
 * process standing for several instances (each journal an owner on one shared shelf).
 */
export class MemoryLaneJournal implements LaneJournal {
  constructor(
    readonly owner: string,
    private readonly shelf: MemoryLaneShelf = new Map(),
  ) {}

  async add(entries: readonly LaneEntry[]): Promise<void> {
    const mine = this.shelf.get(this.owner) ?? new Set<string>();
    for (const e of entries) mine.add(encodeEntry(e));
    this.shelf.set(this.owner, mine);
  }

  async remove(entries: readonly LaneEntry[]): Promise<void> {
    const mine = this.shelf.get(this.owner);
    if (!mine) return;
    for (const e of entries) mine.delete(encodeEntry(e));
    if (mine.size === 0) this.shelf.delete(this.owner);
  }

  async adopt(live: ReadonlySet<string>): Promise<LaneEntry[]> {
    const moved: string[] = [];
    for (const [owner, members] of [...this.shelf]) {
      if (owner === this.owner || live.has(owner)) continue;
      this.shelf.delete(owner);
      moved.push(...members);
    }
    if (moved.length === 0) return [];
    const mine = this.shelf.get(this.owner) ?? new Set<string>();
    for (const m of moved) mine.add(m);
    this.shelf.set(this.owner, mine);
    return moved.map(decodeEntry);
  }

  async own(): Promise<LaneEntry[]> {
    return [...(this.shelf.get(this.owner) ?? [])].map(decodeEntry);
  }
}
