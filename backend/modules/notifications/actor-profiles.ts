import { LRUCache } from 'lru-cache';
import mongoose, { Types } from 'mongoose';
import type { UserModel } from '../users/user-model';

export interface Actor {
  id: string;
  username: string;
  name: string;
}

/**
 * The public name of whoever caused a notification, for notifications derived on the fly
 * (messages). Kept per instance for `ttlMs`: a message then needs no user read, and a renamed
 * sender shows the old name for at most that long (a stored notification shows it forever).
 */
export class ActorProfiles {
  private readonly cache: LRUCache<string, Actor>;

  constructor(private readonly deps: { users: UserModel; max: number; ttlMs: number }) {
    this.cache = new LRUCache<string, Actor>({
      max: deps.max,
      ttl: deps.ttlMs,
      fetchMethod: async (id) => {
        const u = await this.deps.users.findById(new Types.ObjectId(id), { username: 1, name: 1 }).lean();
        return u ? { id, username: u.username, name: u.name } : undefined;
      },
    });
  }

  /** undefined for a user that does not exist */
  get(userId: string): Actor | Promise<Actor | undefined> {
    return this.cache.get(userId) ?? this.cache.fetch(userId);
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
        this.cache.set(actor.id, actor);
        out.set(actor.id, actor);
      }
    }
    return out;
  }
}
