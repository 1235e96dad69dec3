import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';

/**
 * A shared store (Redis) with what to do when it fails: count in a local store instead (the
 * login limiter: a limit per instance is still a limit), or, without a fallback, rethrow so
 * express-rate-limit's passOnStoreError lets the request through (the general API limiter).
 */
export class FailoverRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string | undefined;

  constructor(
    private readonly primary: Store,
    private readonly fallback: Store | undefined,
    private readonly onFailover: (err: unknown) => void,
  ) {
    this.prefix = primary.prefix;
  }

  async init(options: Options): Promise<void> {
    await Promise.all([this.primary.init?.(options), this.fallback?.init?.(options)]);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    try {
      return await this.primary.get?.(key);
    } catch (err) {
      if (!this.fallback) throw err;
      this.onFailover(err);
      return this.fallback.get?.(key);
    }
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.primary.increment(key);
    } catch (err) {
      if (!this.fallback) throw err;
      this.onFailover(err);
      return this.fallback.increment(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await Promise.allSettled([this.primary.decrement(key), this.fallback?.decrement(key)]);
  }

  async resetKey(key: string): Promise<void> {
    await Promise.allSettled([this.primary.resetKey(key), this.fallback?.resetKey(key)]);
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([this.primary.shutdown?.(), this.fallback?.shutdown?.()]);
  }
}
