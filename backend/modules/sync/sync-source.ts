import type { z } from 'zod';

/**
 * One kind of row that `sync` answers besides messages and notifications (a feature's): its reader, oldest first after `since`, up to `upTo`, `limit` + 1 rows; the
 * time a row counts from; and its public form under `key` in the reply.
 */
export interface SyncSource<R = never> {
  /** the reply's field */
  key: string;
  /** one public row, for the AsyncAPI document */
  schema: z.ZodType;
  read(userId: string, since: Date, limit: number, upTo?: Date): Promise<R[]>;
  timeOf(row: R): Date;
  toPublic(row: R): unknown;
}
