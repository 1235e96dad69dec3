import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import { PendingSharedWrites } from '../infra/pending-shared-writes';
import type { ConversationModel } from '../modules/messages/conversation-model';
import type { FollowModel } from '../modules/users/follow-model';
import type { RelationshipChanges } from '../ports/relationship-changes';
import type { Relations, Side } from './relations';
import type { SharedContacts } from './shared-contacts';

/** Cap per side: a presence change of a huge account reaches this many followers. */
const MAX_FOLLOW_EDGES = 10_000;

/**
 * The privacy rule of the real-time surface, in one place:
 *
 *   viewer V may learn target T's presence  ⇔  V follows T, or V and T share a conversation
 *                                              (or V is T).
 *   V may send T typing indicators            ⇔  V and T share a conversation.
 *
 * `relations(side, id)` is the one function that reads that relation, from either end:
 * presence:query asks it from the viewer's side (whom may I see?), presence:changed from the
 * target's (who may see me?). Both are cached per user for `cacheMs` and dropped on follow,
 * unfollow, a first message and a deleted account (the RelationshipChanges port), here and,
 * through realtime, on every other instance. With Redis (`shared`) a miss here reads the copy
 * the instances share before the store, so a user coming online on an instance new to them
 * costs no store read; a change drops that copy before any instance is told.
 *
 * Sharing a conversation only ever becomes true (conversations are never deleted), so a pair
 * known to share one is kept without expiry in a bounded LRU: `typing` between partners seen
 * before answers without awaiting anything, whatever the per-user TTL does. Only a "no" (or an
 * evicted pair) reads the relations, and concurrent misses of one user share that one read
 * instead of each querying the store.
 */
export class ContactBook implements RelationshipChanges {
  private readonly cache: Record<Side, Map<string, { relations: Relations; until: number }>> = {
    viewer: new Map(),
    target: new Map(),
  };
  private readonly listeners = new Set<(userIds: string[]) => void>();
  private readonly loading: Record<Side, Map<string, Promise<Relations>>> = {
    viewer: new Map(),
    target: new Map(),
  };
  private readonly partnerPairs: LRUCache<string, true>;
  /** moves on every forget(), so a shared read that raced a change is not kept here */
  private epoch = 0;
  /** users whose change did not reach the shared copy (Redis away): retried until it does */
  private readonly uninvalidated = new PendingSharedWrites<number>(async (users) => {
    await this.deps.shared?.invalidate([...users.keys()]);
  });

  constructor(
    private readonly deps: {
      follows: FollowModel;
      conversations: ConversationModel;
      cacheMs: number;
      /** the relations shared by the instances (Redis); absent, a miss here reads the store */
      shared?: SharedContacts | undefined;
      /** told when a change could not drop the shared copy (Redis away) */
      onSharedError?: (err: unknown) => void;
      maxEntries?: number;
      now?: () => number;
    },
  ) {
    this.partnerPairs = new LRUCache<string, true>({ max: deps.maxEntries ?? 50_000 });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  async relations(side: Side, userId: string): Promise<Relations> {
    const hit = this.cache[side].get(userId);
    if (hit && hit.until > this.now()) return hit.relations;
    return this.loading[side].get(userId) ?? this.startLoad(side, userId);
  }

  private startLoad(side: Side, userId: string): Promise<Relations> {
    const loading = this.loading[side];
    const flight: Promise<Relations> = this.loadShared(side, userId).then(
      (relations) => {
        // forget() during the read dropped this flight: its answer may predate the change
        if (loading.get(userId) !== flight) return relations;
        loading.delete(userId);
        this.keep(side, userId, relations);
        return relations;
      },
      (err: unknown) => {
        if (loading.get(userId) === flight) loading.delete(userId);
        throw err;
      },
    );
    loading.set(userId, flight);
    return flight;
  }

  private keep(side: Side, userId: string, relations: Relations): void {
    for (const p of relations.partners) this.partnerPairs.set(pairKey(userId, p), true);
    if (this.deps.cacheMs <= 0) return;
    const cache = this.cache[side];
    cache.delete(userId);
    cache.set(userId, { relations, until: this.now() + this.deps.cacheMs });
    if (cache.size > (this.deps.maxEntries ?? 50_000)) cache.delete(cache.keys().next().value as string);
  }

  /** The shared copy if there is one, else the store, whose answer is then shared. */
  private async loadShared(side: Side, userId: string): Promise<Relations> {
    const { shared } = this.deps;
    if (!shared || this.uninvalidated.has(userId)) return this.load(side, userId);
    const known = await shared.get(side, userId).catch(() => undefined);
    if (known?.relations) return known.relations;
    const relations = await this.load(side, userId);
    // refused by Redis when the user's relations changed since the stamp was read
    if (known) shared.fill(side, userId, known.stamp, relations).catch(() => {});
    return relations;
  }

  /**
   * The audience of presence:changed if it is known without the store: cached here, or in the
   * shared copy, read in the round trip that records the user online. undefined otherwise
   * (presenceAudience then reads it, only for a connect that turns out to need it).
   */
  async knownAudience(targetId: string): Promise<string[] | undefined> {
    const hit = this.cache.target.get(targetId);
    if (hit && hit.until > this.now()) return audienceOf(hit.relations);
    const flight = this.loading.target.get(targetId);
    if (flight) return audienceOf(await flight);
    const { shared } = this.deps;
    if (!shared || this.uninvalidated.has(targetId)) return undefined;
    const epoch = this.epoch;
    const known = (await shared.get('target', targetId).catch(() => undefined))?.relations;
    if (!known) return undefined;
    if (epoch === this.epoch) this.keep('target', targetId, known);
    return audienceOf(known);
  }

  /** Of `targetIds`, those whose presence the viewer may learn (the viewer's own included). */
  async visibleTo(viewerId: string, targetIds: string[]): Promise<Set<string>> {
    if (targetIds.every((t) => t === viewerId)) return new Set(targetIds);
    const r = await this.relations('viewer', viewerId);
    return new Set(targetIds.filter((t) => t === viewerId || r.follows.has(t) || r.partners.has(t)));
  }

  /** Everyone who may learn the user's presence: the audience of presence:changed. */
  async presenceAudience(targetId: string): Promise<string[]> {
    return audienceOf(await this.relations('target', targetId));
  }

  /** true at once for a pair known to share a conversation; otherwise reads the relations. */
  sharesConversation(a: string, b: string): boolean | Promise<boolean> {
    if (this.partnerPairs.get(pairKey(a, b))) return true;
    return this.relations('viewer', a).then((r) => r.partners.has(b));
  }

  /**
   * RelationshipChanges: a follow, unfollow, first message or deleted account between these
   * users. The shared copies go first (the SET is on the wire before this returns, so this
   * instance's next read sees it), then the other instances are told to drop theirs.
   */
  async changed(userIds: string[]): Promise<void> {
    this.forget(userIds);
    await this.invalidateShared(userIds);
    for (const listener of this.listeners) listener(userIds);
  }

  /** RelationshipChanges: these two share a conversation now (it exists in the store). */
  partnered(a: string, b: string): Promise<void> {
    this.partnerPairs.set(pairKey(a, b), true);
    return this.changed([a, b]);
  }

  /** RelationshipChanges: a new account has no relations, so its first connect reads none. */
  async created(userId: string): Promise<void> {
    const none: Relations = { follows: new Set(), partners: new Set() };
    const { shared } = this.deps;
    if (!shared) return;
    // stamp '': refused if anyone followed or wrote to the account before this landed
    await Promise.all([
      shared.fill('viewer', userId, '', none),
      shared.fill('target', userId, '', none),
    ]).catch(() => {});
  }

  private async invalidateShared(userIds: string[]): Promise<void> {
    const { shared } = this.deps;
    if (!shared) return;
    try {
      await shared.invalidate(userIds);
    } catch (err) {
      // until the retry lands, this instance reads these users from the store
      this.deps.onSharedError?.(err);
      // the epoch tells a change that failed again during a retry from the one it retried
      for (const id of userIds) this.uninvalidated.add(id, this.epoch);
    }
  }

  /** Drops cached relations (another instance saw a change). */
  forget(userIds: string[]): void {
    this.epoch += 1;
    for (const id of userIds) {
      this.cache.viewer.delete(id);
      this.cache.target.delete(id);
      this.loading.viewer.delete(id);
      this.loading.target.delete(id);
    }
  }

  onChanged(listener: (userIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async load(side: Side, userId: string): Promise<Relations> {
    const id = new Types.ObjectId(userId);
    const [mine, other] =
      side === 'viewer' ? (['follower', 'followee'] as const) : (['followee', 'follower'] as const);
    const [edges, conversations] = await Promise.all([
      this.deps.follows
        .find({ [mine]: id }, { [other]: 1, _id: 0 })
        .limit(MAX_FOLLOW_EDGES)
        .lean(),
      this.deps.conversations.find({ participants: id }, { participants: 1, _id: 0 }).lean(),
    ]);
    const partners = new Set<string>();
    for (const c of conversations)
      for (const p of c.participants) if (!p.equals(id)) partners.add(p.toHexString());
    return {
      follows: new Set(edges.map((e) => (e as Record<string, Types.ObjectId>)[other]!.toHexString())),
      partners,
    };
  }
}

function audienceOf(r: Relations): string[] {
  return [...new Set([...r.follows, ...r.partners])];
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
