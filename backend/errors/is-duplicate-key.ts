/**
 * E11000: a unique index refused the write. Idempotency and races are decided by it, and a
 * duplicate that reaches a client is a 409 (toAppError). A plain code check, so errors/ needs
 * no database module to classify it.
 */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 11000;
}
