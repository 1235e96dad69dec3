import { z } from 'zod';

/**
 * A username: stored lower-case, and never in the form of an id, because
 * GET /api/users/:idOrUsername reads 24 hex digits as an id (such a name could shadow, or be
 * shadowed by, another account).
 */
export const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_]{3,30}$/, '3–30 characters of a–z, 0–9 and _')
  .refine((s) => !/^[0-9a-f]{24}$/.test(s), { message: 'may not be 24 hex digits (the form of an id)' })
  .meta({ description: 'stored lower-case; never 24 hex digits (the form of an id)' });
