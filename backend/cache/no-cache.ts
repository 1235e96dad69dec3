import type { Cache } from './cache';

/**
 * Remembers nothing: every lookup is a miss. In force when there is no Redis, so the same
 * code path runs with and without a cache and the database always answers.
 */
export class NoCache implements Cache {
  async get(_key: string): Promise<string | undefined> {
    return undefined;
  }

  async set(_key: string, _value: string, _ttlSeconds: number): Promise<void> {}

  async del(_keys: readonly string[]): Promise<void> {}
}
