import {
  type FlagDefinition,
  type FlagName,
  type FlagSource,
  type FlagValues,
  features,
} from '../config/features';
import type { FlagOverrideRecord } from './flag-override-store';

export interface ResolvedFlag<K extends FlagName = FlagName> {
  value: FlagValues[K];
  source: FlagSource;
  /** set when an active override was ignored, and why */
  ignoredOverride?: string;
}

/**
 * Value = override ?? env ?? default. An override the schema rejects (written by a newer or
 * older release with another schema) is ignored rather than trusted, and reported.
 */
export function resolveFlag<K extends FlagName>(
  name: K,
  fromEnv: { value: FlagValues[K]; source: FlagSource },
  override: Pick<FlagOverrideRecord, 'value' | 'active'> | undefined,
  opts: { allowOverride?: (name: K, value: FlagValues[K]) => string | undefined } = {},
): ResolvedFlag<K> {
  if (!override?.active) return { value: fromEnv.value, source: fromEnv.source };
  const def: FlagDefinition = features[name];
  const parsed = def.schema.safeParse(override.value);
  if (!parsed.success) return { ...fromEnv, ignoredOverride: 'stored value does not match the flag schema' };
  const value = parsed.data as FlagValues[K];
  const refusal = opts.allowOverride?.(name, value);
  if (refusal) return { ...fromEnv, ignoredOverride: refusal };
  return { value, source: 'override' };
}
