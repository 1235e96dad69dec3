import type { UserModel } from '../modules/users/user-model';
import type { SessionRevocation } from '../ports/session-revocation';

/**
 * Each user's session version, the `ver` every token carries: a token whose version is not
 * the user's current one is revoked. Read on every REST call and socket handshake, so it is
 * cached per instance for `cacheMs`; a bump drops this instance's entry at once and the
 * listeners (realtime) tell the other instances to drop theirs and close the user's sockets.
 */
export class SessionVersions implements SessionRevocation {
  private readonly cache = new Map<string, { version: number | null; until: number }>();
  private readonly listeners = new Set<(userId: string) => void>();
  private readonly loading = new Map<string, Promise<number | null>>();

  constructor(
    private readonly deps: {
      users: UserModel;
      cacheMs: number;
      /** entries kept at most (oldest dropped first), so a token spray cannot grow memory */
      maxEntries?: number;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** The user's version, or null when the account no longer exists. */
  async current(userId: string): Promise<number | null> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > this.now()) return hit.version;
    // a user's devices reconnecting at once share one read
    const pending = this.loading.get(userId);
    if (pending) return pending;
    const flight: Promise<number | null> = this.read(userId).then(
      (version) => {
        // forget() during the read dropped this flight: its answer may predate the bump
        if (this.loading.get(userId) !== flight) return version;
        this.loading.delete(userId);
        this.remember(userId, version);
        return version;
      },
      (err: unknown) => {
        if (this.loading.get(userId) === flight) this.loading.delete(userId);
        throw err;
      },
    );
    this.loading.set(userId, flight);
    return flight;
  }

  private async read(userId: string): Promise<number | null> {
    const doc = await this.deps.users.findById(userId, { tokenVersion: 1 }).lean();
    return doc ? (doc.tokenVersion ?? 0) : null;
  }

  private remember(userId: string, version: number | null): void {
    if (this.deps.cacheMs <= 0) return;
    this.cache.delete(userId);
    this.cache.set(userId, { version, until: this.now() + this.deps.cacheMs });
    const max = this.deps.maxEntries ?? 100_000;
    if (this.cache.size > max) this.cache.delete(this.cache.keys().next().value as string);
  }

  /** Revokes every token of the user issued so far; returns the new version to sign with. */
  async bump(userId: string): Promise<number> {
    await this.deps.users.updateOne({ _id: userId }, { $inc: { tokenVersion: 1 } });
    this.forget(userId);
    const version = await this.current(userId);
    for (const listener of this.listeners) listener(userId);
    return version ?? 0;
  }

  /** Drops the cached version (another instance bumped it). */
  forget(userId: string): void {
    this.cache.delete(userId);
    this.loading.delete(userId);
  }

  onBumped(listener: (userId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
