import { Types } from 'mongoose';
import { z } from 'zod';

export const objectId = z.string().refine((s) => /^[0-9a-f]{24}$/i.test(s) && Types.ObjectId.isValid(s), {
  message: 'must be a 24-hex id',
});

export const idParams = z.object({ id: objectId });
