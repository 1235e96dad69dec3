/**
 * The port through which writes that change who may see whom (follow, unfollow, a first
 * message) tell the contacts cache; the domain services know nothing of caches or sockets.
 * contacts/contact-book.ts implements it.
 */
export interface RelationshipChanges {
  changed(userIds: string[]): void;
  /** a conversation between the two exists now (never undone: conversations are not deleted) */
  partnered(a: string, b: string): void;
}
