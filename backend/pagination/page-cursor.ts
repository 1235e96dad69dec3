import mongoose, { Types } from 'mongoose';
import { ValidationError } from '../errors/app-error';

export interface PageCursor {
  createdAt: Date;
  id: Types.ObjectId;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque to clients: base64url of the last row's (createdAt, _id), the page's sort key. */
export function encodeCursor(row: { createdAt: Date; _id: Types.ObjectId }): string {
  return Buffer.from(`${row.createdAt.getTime()}.${row._id.toHexString()}`).toString('base64url');
}

export function decodeCursor(raw: string | undefined): PageCursor | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  // an id in a cursor, as anywhere, is 24 hex digits in any case and read as lower case
  const [, ms, hex] = /^(\d{1,15})\.([0-9a-fA-F]{24})$/.exec(text) ?? [];
  if (ms === undefined || hex === undefined)
    throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'not a cursor from this API' }]);
  return { createdAt: new Date(Number(ms)), id: new Types.ObjectId(hex.toLowerCase()) };
}

/**
 * Filter for "rows after the cursor" in (createdAt desc, _id desc) order. Ties on createdAt
 * are broken by _id so no row is skipped or repeated between pages.
 */
export function afterCursor(cursor: PageCursor | undefined): Record<string, unknown> {
  if (!cursor) return {};
  return {
    $or: [
      { createdAt: mongoose.trusted({ $lt: cursor.createdAt }) },
      { createdAt: cursor.createdAt, _id: mongoose.trusted({ $lt: cursor.id }) },
    ],
  };
}

export const newestFirst = { createdAt: -1, _id: -1 } as const;

/** Fetches limit+1 rows to know whether a next page exists without a count. */
export function toPage<R extends { createdAt: Date; _id: Types.ObjectId }, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(last) : null };
}
