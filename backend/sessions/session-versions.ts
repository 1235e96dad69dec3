import { PendingSharedWrites } from '../infra/pending-shared-writes';
import type { UserModel } from '../modules/users/user-model';
import type { SessionRevocation } from '../ports/session-revocation';
import type { SharedSessionVersions } from './shared-session-versions';

/**
 * Each user's session version, the `ver` every token carries: a token whose version is not
 * the user's current one is revoked. Read on every REST call and socket handshake, so it is
 * cached per instance for `cacheMs`; a bump drops this instance's entry at once and the
 * listeners (realtime) tell the other instances to drop theirs and close the user's sockets.
 *
 * With Redis (`shared`), a miss here reads the version every instance shares before the
 * store: tokens are issued and revoked with it written there, so a user's first connect to an
 * instance costs no store read. A bump writes the new version there before anyone is told, and
 * the shared copy never goes down, so no instance can read its way back to a revoked version.
 * While Redis is away the store answers, as without Redis.
 */
export class SessionVersions implements SessionRevocation {
  private readonly cache = new Map<string, { version: number | null; until: number }>();
  private readonly listeners = new Set<(userId: string) => void>();
  private readonly loading = new Map<string, Promise<number | null>>();
  /** bumped versions Redis did not take: offered again until it does */
  private readonly unshared = new PendingSharedWrites<number | null>(async (versions) => {
    for (const [userId, version] of versions) await this.deps.shared?.offer(userId, version);
  });

  constructor(
    private readonly deps: {
      users: UserModel;
      cacheMs: number;
      /** the version shared by the instances (Redis); absent, the store answers every miss */
      shared?: SharedSessionVersions | undefined;
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
    const flight: Promise<number | null> = this.load(userId).then(
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

  private async load(userId: string): Promise<number | null> {
    const { shared } = this.deps;
    if (!shared || this.unshared.has(userId)) return this.read(userId);
    let known: number | null | undefined;
    try {
      // issued before any await: it travels with the handshake limit and the cap
      known = await shared.get(userId);
    } catch {
      return this.read(userId);
    }
    if (known !== undefined) return known;
    const version = await this.read(userId);
    // the connect does not wait for the write
    shared.offer(userId, version).catch(() => {});
    return version;
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

  /**
   * A token was just signed with this version (sign-up, login): shared now, the user's first
   * connect anywhere finds it. Best effort: without it, that connect reads the store.
   */
  async issued(userId: string, version: number): Promise<void> {
    await this.deps.shared?.offer(userId, version).catch(() => {});
  }

  /** Revokes every token of the user issued so far; returns the new version to sign with. */
  async bump(userId: string): Promise<number> {
    await this.deps.users.updateOne({ _id: userId }, { $inc: { tokenVersion: 1 } });
    this.forget(userId);
    // from the store, not the shared copy: that one still holds the revoked version
    const version = await this.read(userId);
    await this.share(userId, version);
    this.remember(userId, version);
    for (const listener of this.listeners) listener(userId);
    return version ?? 0;
  }

  /** Writes a bumped version where every instance reads it; kept for a retry while Redis is away. */
  private async share(userId: string, version: number | null): Promise<void> {
    const { shared } = this.deps;
    if (!shared) return;
    try {
      await shared.offer(userId, version);
      this.unshared.delete(userId);
    } catch {
      // this instance reads the store for the user until the retry lands
      this.unshared.add(userId, version);
    }
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
