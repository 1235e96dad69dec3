/**
 * How a profile edit tells the per-instance caches of public names (ActorProfiles) that a
 * name changed; the user service knows nothing of those caches or of the other instances.
 */
export interface ProfileChanges {
  renamed(userId: string): void;
}
