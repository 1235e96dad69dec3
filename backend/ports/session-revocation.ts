/**
 * How the auth service ends every session of a user (logout, password change): each token
 * issued so far stops working, live sockets on every instance included. The users domain knows
 * nothing of the version cache or of sockets; sessions/session-versions.ts implements it.
 */
export interface SessionRevocation {
  /** Revokes every token of the user issued so far; returns the new version to sign with. */
  bump(userId: string): Promise<number>;
}
