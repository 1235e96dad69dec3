import type { ChainableCommander } from 'ioredis';

/**
 * Runs a MULTI built on `tx`: rejects when Redis discarded it or any of its commands failed
 * (EXEC reports those per command instead of throwing).
 */
export async function execTransaction(tx: ChainableCommander, what: string): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([err]) => err);
  if (!replies || failed) throw failed?.[0] ?? new Error(`${what}: transaction discarded`);
}
