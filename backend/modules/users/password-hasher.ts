import argon2 from 'argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the same time as a real verify, so unknown logins do not answer faster. */
  verifyDummy(password: string): Promise<void>;
}

export function createArgon2Hasher(opts: { memoryCost: number; timeCost: number }): PasswordHasher {
  const params = {
    type: argon2.argon2id,
    memoryCost: opts.memoryCost,
    timeCost: opts.timeCost,
    parallelism: 1,
  } as const;
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => argon2.hash(password, params),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    verifyDummy: async (password) => {
      dummy ??= argon2.hash('dummy-password-for-timing', params);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
