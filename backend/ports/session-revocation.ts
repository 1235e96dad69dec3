/**
 * How the auth service ends every session of a user (logout, password change): each token
 * issued so far stops working, live sockets on every instance included; and how it says which
 * version a token it signed carries. The users domain knows
 * nothing of the version cache or of sockets; sessions/session-versions.ts implements it.
 */
export interface SessionRevocation {
  /** Revokes every token of the user issued so far; returns the new version to sign with. */
  bump(userId: string): Promise<number>;
  /** A token was just signed with this version (sign-up, login): where handshakes will look first. */
  issued(userId: string, version: number): Promise<void>;
}
