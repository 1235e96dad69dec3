import { z } from 'zod';

/** A cursor page as answered: `{<key>: items, nextCursor}`; nextCursor is null at the end. */
export function pageOf<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({
    [key]: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'opaque; pass as `cursor` for the next page; null at the end' }),
  } as { [P in K]: z.ZodArray<T> } & { nextCursor: z.ZodNullable<z.ZodString> });
}
