import argon2 from 'argon2';

/**
 * Hashes and verifies passwords. A login for an unknown user verifies against a hash this
 * hasher made (AuthService), so it spends what a wrong password spends whatever the algorithm.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** false for a wrong password or a malformed hash */
  verify(hash: string, password: string): Promise<boolean>;
}

export function createArgon2Hasher(opts: { memoryCost: number; timeCost: number }): PasswordHasher {
  const params = {
    type: argon2.argon2id,
    memoryCost: opts.memoryCost,
    timeCost: opts.timeCost,
    parallelism: 1,
  } as const;
  return {
    hash: (password) => argon2.hash(password, params),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
  };
}
