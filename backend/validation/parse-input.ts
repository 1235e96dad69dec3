import type { z } from 'zod';
import { ValidationError } from '../errors/app-error';

/** Validates one part of a request or event; the error lists every problem with its path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new ValidationError(
    `Invalid ${where}`,
    result.error.issues.map((i) => ({ path: i.path.join('.') || where, message: i.message })),
  );
}
