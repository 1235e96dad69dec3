/**
 * Each user's session version as every instance sees it (Redis), so a user's first connect to
 * an instance reads it in the handshake's one round trip instead of the users collection. The
 * store stays the authority: this only ever holds a version the store had, and never a lower
 * one than it already holds, so a slow read cannot undo a revocation.
 */
export interface SharedSessionVersions {
  /** the shared version; null when the account is gone; undefined when not shared (read the store) */
  get(userId: string): Promise<number | null | undefined>;
  /** shares a version the store had: ignored when a higher one, or "gone", is already shared */
  offer(userId: string, version: number | null): Promise<void>;
}
