import { Types } from 'mongoose';
import { z } from 'zod';

/**
 * An id is 24 hex digits in any case and is treated as its lower-case form: the value is
 * lower-cased here, at the boundary, so every comparison, key and room downstream sees one
 * spelling (an upper-case spelling of one's own id is still oneself).
 * The pattern is for the API description (the refine is what validates).
 */
export const objectId = z
  .string()
  .refine((s) => /^[0-9a-f]{24}$/i.test(s) && Types.ObjectId.isValid(s), {
    message: 'must be a 24-hex id',
  })
  .toLowerCase()
  .meta({ pattern: '^[0-9a-fA-F]{24}$', description: 'a 24-hex id (any case; treated as lower case)' });

export const idParams = z.object({ id: objectId });
