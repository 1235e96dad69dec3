/** Which side of the presence relation a user is looked up from. */
export type Side = 'viewer' | 'target';

/** The users related to one user, from one side, split by why. */
export interface Relations {
  /** viewer side: whom the user follows; target side: who follows the user */
  follows: ReadonlySet<string>;
  /** users the user shares a conversation with (the same from either side) */
  partners: ReadonlySet<string>;
}
