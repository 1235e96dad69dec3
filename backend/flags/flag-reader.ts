import type { FlagName, FlagValues } from '../config/features';

export type FlagListener = <K extends FlagName>(
  name: K,
  value: FlagValues[K],
  previous: FlagValues[K],
) => void;

/**
 * What every consumer of flags sees: the value in force now, and a way to hear changes.
 * Read on every use (never cached in a field), so a live change takes effect on the next call.
 */
export interface FlagReader {
  get<K extends FlagName>(name: K): FlagValues[K];
  /** every flag's value in force, as /health/features reports it */
  snapshot(): FlagValues;
  onChange(listener: FlagListener): () => void;
}
