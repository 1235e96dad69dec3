import type { z } from 'zod';
import { type FlagName, features } from '../../config/features';

/** How the console edits a flag: the control follows the flag's schema. */
export type FlagInput =
  | { kind: 'enum'; options: string[] }
  | { kind: 'boolean' }
  | { kind: 'number'; min?: number; max?: number; integer: boolean; rollout: boolean }
  | { kind: 'json' };

export function flagInput(name: FlagName): FlagInput {
  const def = features[name] as { schema: z.ZodType; rollout?: true };
  const schema = def.schema as z.ZodType & {
    options?: unknown[];
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
  };
  const type = schema.def.type;
  if (type === 'enum' && Array.isArray(schema.options))
    return { kind: 'enum', options: schema.options.map(String) };
  if (type === 'boolean') return { kind: 'boolean' };
  if (type === 'number')
    return {
      kind: 'number',
      ...(typeof schema.minValue === 'number' && Number.isFinite(schema.minValue)
        ? { min: schema.minValue }
        : {}),
      ...(typeof schema.maxValue === 'number' && Number.isFinite(schema.maxValue)
        ? { max: schema.maxValue }
        : {}),
      integer: schema.isInt === true,
      rollout: def.rollout === true,
    };
  return { kind: 'json' };
}
