import { Types } from 'mongoose';
import { z } from 'zod';
import { ValidationError } from './app-error';

/** Validates one part of a request; the error lists every problem with its path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ValidationError(
    `Invalid ${where}`,
    result.error.issues.map((i) => ({ path: i.path.join('.') || where, message: i.message })),
  );
}

export const objectId = z.string().refine((s) => /^[0-9a-f]{24}$/i.test(s) && Types.ObjectId.isValid(s), {
  message: 'must be a 24-hex id',
});

export const idParams = z.object({ id: objectId });

// strict: an unknown parameter (limit[$gt]=1 arrives as the key "limit[$gt]") is a 400, not ignored
export const pageQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
