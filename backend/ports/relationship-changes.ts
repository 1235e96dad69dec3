/**
 * The port through which writes that change who may see whom (follow, unfollow, a first
 * message, an account deleted) tell the contacts cache; the domain services know nothing of
 * caches or sockets. contacts/contact-book.ts implements it. Each resolves once no instance can
 * read the old relations any more (the shared copy is dropped); the write has happened by then.
 */
export interface RelationshipChanges {
  changed(userIds: string[]): Promise<void>;
  /** a conversation between the two exists now (never undone but by deleting an account) */
  partnered(a: string, b: string): Promise<void>;
  /** a new account: related to no one yet */
  created(userId: string): Promise<void>;
}
