import type { Relations, Side } from './contact-book';

/**
 * Each user's relations as every instance sees them (Redis), so a user coming online on an
 * instance that has not cached them tells the audience without reading the store. The store
 * stays the authority: a change drops the shared copy before any instance is told, and for a
 * while after refuses fills, so a read that started before the change cannot put it back.
 */
export interface SharedContacts {
  /** the shared relations from this side; undefined when not shared (read the store) */
  get(side: Side, userId: string): Promise<Relations | undefined>;
  /** shares relations read from the store, unless the user's relations changed since */
  fill(side: Side, userId: string, relations: Relations): Promise<void>;
  /** both sides of these users changed: their shared copies go, and late fills are refused */
  invalidate(userIds: string[]): Promise<void>;
}
