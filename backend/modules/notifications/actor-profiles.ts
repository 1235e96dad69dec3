import { LRUCache } from 'lru-cache';
import mongoose, { Types } from 'mongoose';
import type { ProfileChanges } from '../../ports/profile-changes';
import type { UserModel } from '../users/user-model';

export interface Actor {
  id: string;
  username: string;
  name: string;
}

/**
 * The public name of whoever caused a notification, for notifications derived on the fly
 * (messages), kept per instance so a message needs no user read. A rename drops it here and,
 * through realtime's cluster notice, on every other instance (`renamed`, `onRenamed`,
 * `forget`); `ttlMs` only bounds how long a lost notice (Redis away) leaves the old name.
 * Concurrent misses of one user share one read, and a read that a rename overtook answers
 * its callers but is not kept.
 */
export class ActorProfiles implements ProfileChanges {
  private readonly cache: LRUCache<string, Actor>;
  private readonly loading = new Map<string, Promise<Actor | undefined>>();
  private readonly listeners = new Set<(userId: string) => void>();
  /** counts forgets, so a batch read that one overtook is not kept */
  private forgotten = 0;

  constructor(private readonly deps: { users: UserModel; max: number; ttlMs: number }) {
    this.cache = new LRUCache<string, Actor>({ max: deps.max, ttl: deps.ttlMs });
  }

  /** undefined for a user that does not exist */
  get(userId: string): Actor | Promise<Actor | undefined> {
    return this.cache.get(userId) ?? this.loading.get(userId) ?? this.load(userId);
  }

  private load(userId: string): Promise<Actor | undefined> {
    const flight: Promise<Actor | undefined> = this.deps.users
      .findById(new Types.ObjectId(userId), { username: 1, name: 1 })
      .lean()
      .then(
        (u) => {
          const actor = u ? { id: userId, username: u.username, name: u.name } : undefined;
          if (this.loading.get(userId) === flight) {
            this.loading.delete(userId);
            if (actor) this.cache.set(userId, actor);
          }
          return actor;
        },
        (err: unknown) => {
          if (this.loading.get(userId) === flight) this.loading.delete(userId);
          throw err;
        },
      );
    this.loading.set(userId, flight);
    return flight;
  }

  /** Several at once (sync): the ones not cached in one read. */
  async many(userIds: Iterable<string>): Promise<Map<string, Actor>> {
    const out = new Map<string, Actor>();
    const missing: string[] = [];
    for (const id of new Set(userIds)) {
      const hit = this.cache.get(id);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const before = this.forgotten;
      const rows = await this.deps.users
        .find(
          { _id: mongoose.trusted({ $in: missing.map((id) => new Types.ObjectId(id)) }) },
          {
            username: 1,
            name: 1,
          },
        )
        .lean();
      for (const u of rows) {
        const actor = { id: u._id.toHexString(), username: u.username, name: u.name };
        // a rename during the read may have been read before it: answered, not kept
        if (this.forgotten === before) this.cache.set(actor.id, actor);
        out.set(actor.id, actor);
      }
    }
    return out;
  }

  /** ProfileChanges: the user's name changed (on this instance). */
  renamed(userId: string): void {
    this.forget(userId);
    for (const listener of this.listeners) listener(userId);
  }

  /** Drops the cached name (here, or told by another instance). */
  forget(userId: string): void {
    this.forgotten++;
    this.cache.delete(userId);
    this.loading.delete(userId);
  }

  /** Listens for renames made on this instance, to tell the others. */
  onRenamed(listener: (userId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
