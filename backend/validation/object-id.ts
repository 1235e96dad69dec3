import { Types } from 'mongoose';
import { z } from 'zod';

// the pattern is for the API description (the refine is what validates)
export const objectId = z
  .string()
  .refine((s) => /^[0-9a-f]{24}$/i.test(s) && Types.ObjectId.isValid(s), {
    message: 'must be a 24-hex id',
  })
  .meta({ pattern: '^[0-9a-fA-F]{24}$', description: 'a 24-hex id' });

export const idParams = z.object({ id: objectId });
