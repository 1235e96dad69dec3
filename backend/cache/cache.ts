/**
 * A key-value store with expiry that may forget anything at any time. Callers treat every
 * answer as a hint: undefined means "load it yourself", and a value is what was last set for
 * the key and not yet deleted or expired. Values are opaque strings (cache-aside serialises).
 * Any method may reject while the backing store is away; cache-aside reads the database then.
 */
export interface Cache {
  get(key: string): Promise<string | undefined>;
  /** ttlSeconds may be fractional (jittered TTLs); it is applied in milliseconds */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** deletes every key given; missing keys are fine */
  del(keys: readonly string[]): Promise<void>;
}
