import { z } from 'zod';

/** What a client asks for: the page after `cursor` (from the previous page's nextCursor), `limit` rows. */
export interface PageRequest {
  cursor?: string | undefined;
  limit: number;
}

// strict: an unknown parameter (limit[$gt]=1 arrives as the key "limit[$gt]") is a 400, not ignored
export const pageQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
