import type { PasswordHasher } from '../../backend/modules/users/password-hasher';

/** A PasswordHasher that does the real work and records it: what was made, what was checked. */
export interface CountingHasher extends PasswordHasher {
  /** every hash made, in order */
  readonly made: string[];
  /** the hash of every verification, in order */
  readonly verifiedAgainst: string[];
}

export function countingHasher(inner: PasswordHasher): CountingHasher {
  const made: string[] = [];
  const verifiedAgainst: string[] = [];
  return {
    made,
    verifiedAgainst,
    hash: async (password) => {
      const hash = await inner.hash(password);
      made.push(hash);
      return hash;
    },
    verify: (hash, password) => {
      verifiedAgainst.push(hash);
      return inner.verify(hash, password);
    },
  };
}

/** "$argon2id$v=19$m=1024,t=1,p=1": the algorithm and parameters of an encoded argon2 hash. */
export function argon2Parameters(hash: string): string {
  return hash.split('$').slice(0, 4).join('$');
}
