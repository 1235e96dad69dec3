import type { RedisGuard } from '../infra/redis-guard';
import type { Relations, Side } from './contact-book';
import type { SharedContacts } from './shared-contacts';

/** What a changed user's keys hold for a while: "changed, read the store, do not fill". */
const CHANGED = '-';
const SIDES: readonly Side[] = ['viewer', 'target'];

/**
 * One string per user and side: {"f":[ids…],"p":[ids…]} (follows, partners). A change sets the
 * keys to a marker for `changedMs`, longer than any store read, and fills are SET NX, so a fill
 * from a read that started before the change finds the marker and is dropped. Relations larger
 * than `maxIds` stay per instance: a huge account's set is not worth a GET on every connect.
 */
export class RedisSharedContacts implements SharedContacts {
  constructor(
    private readonly deps: {
      guard: RedisGuard;
      prefix: string;
      ttlMs: number;
      changedMs?: number;
      maxIds?: number;
    },
  ) {}

  private key(side: Side, userId: string): string {
    // {userId}: one slot per user on a Redis Cluster, like the user's other keys
    return `${this.deps.prefix}contacts:${side}:{${userId}}`;
  }

  async get(side: Side, userId: string): Promise<Relations | undefined> {
    const value = await this.deps.guard.run((r) => r.get(this.key(side, userId)));
    if (value === null || value === CHANGED) return undefined;
    try {
      const { f, p } = JSON.parse(value) as { f: string[]; p: string[] };
      return { follows: new Set(f), partners: new Set(p) };
    } catch {
      return undefined;
    }
  }

  async fill(side: Side, userId: string, relations: Relations): Promise<void> {
    if (relations.follows.size + relations.partners.size > (this.deps.maxIds ?? 2000)) return;
    const value = JSON.stringify({ f: [...relations.follows], p: [...relations.partners] });
    await this.deps.guard.run((r) => r.set(this.key(side, userId), value, 'PX', this.deps.ttlMs, 'NX'));
  }

  async invalidate(userIds: string[]): Promise<void> {
    const ms = this.deps.changedMs ?? 10_000;
    // one SET per key, all in this tick: one round trip, whatever slots the keys are in
    await this.deps.guard.run((r) =>
      Promise.all(userIds.flatMap((id) => SIDES.map((side) => r.set(this.key(side, id), CHANGED, 'PX', ms)))),
    );
  }
}
