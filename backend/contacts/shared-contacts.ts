import type { Relations, Side } from './relations';

/** What a shared read found: the relations if shared, and the stamp a fill from the store quotes. */
export interface SharedRead {
  relations: Relations | undefined;
  /** the user's change count when read: a fill quoting an older one is refused */
  stamp: string;
}

/**
 * Each user's relations as every instance sees them (Redis), so a user coming online on an
 * instance that has not cached them tells the audience without reading the store. The store
 * stays the authority: a change drops the shared copies and moves the user's stamp before any
 * instance is told, so a read of the store that began before the change cannot put it back.
 */
export interface SharedContacts {
  get(side: Side, userId: string): Promise<SharedRead>;
  /** shares relations read from the store after get() gave `stamp`, unless the user changed since */
  fill(side: Side, userId: string, stamp: string, relations: Relations): Promise<void>;
  /** both sides of these users changed: their shared copies go, and older fills are refused */
  invalidate(userIds: string[]): Promise<void>;
}
