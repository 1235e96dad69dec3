import type { FlagName, FlagValues } from '../config/features';
import type { FlagListener, FlagReader } from './flag-reader';

/** Flags from env and defaults only; also what unit tests use, with set() to flip a value. */
export class StaticFlags implements FlagReader {
  private readonly values: FlagValues;
  private readonly listeners = new Set<FlagListener>();

  constructor(values: FlagValues) {
    this.values = { ...values };
  }

  get<K extends FlagName>(name: K): FlagValues[K] {
    return this.values[name];
  }

  snapshot(): FlagValues {
    return { ...this.values };
  }

  set<K extends FlagName>(name: K, value: FlagValues[K]): void {
    const previous = this.values[name];
    this.values[name] = value;
    if (previous !== value) for (const l of this.listeners) l(name, value, previous);
  }

  onChange(listener: FlagListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
