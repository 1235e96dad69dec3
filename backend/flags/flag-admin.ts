import { type FlagDefinition, type FlagName, features, isFlagName } from '../config/features';
import { NotFoundError, ValidationError } from '../errors/app-error';
import type { FlagAuditEntry, FlagOverrideStore } from './flag-override-store';
import type { FlagDescription, LiveFlags } from './live-flags';

/** A check a capability adds for its own flag; it throws an AppError to refuse the value. */
export type FlagVeto = (name: FlagName, value: unknown) => Promise<void>;

export interface FlagPublisher {
  publish(flag: string, version: number): Promise<boolean>;
}

/**
 * The operations behind /admin/flags: validate, persist with an audit line, apply here at once,
 * tell the other instances. Nothing is written when validation fails.
 */
export class FlagAdmin {
  private readonly vetoes = new Set<FlagVeto>();

  constructor(
    private readonly deps: {
      store: FlagOverrideStore;
      flags: LiveFlags;
      publisher?: FlagPublisher;
      /** a reason when this value cannot be served here (a Redis-backed value without REDIS_URL) */
      refuse?: (name: FlagName, value: unknown) => string | undefined;
    },
  ) {}

  /** adds a check run before any change is written; returns its removal */
  addVeto(veto: FlagVeto): () => void {
    this.vetoes.add(veto);
    return () => this.vetoes.delete(veto);
  }

  list(): FlagDescription[] {
    return this.deps.flags.describe();
  }

  async set(flag: string, value: unknown, actor: string): Promise<FlagDescription> {
    if (!isFlagName(flag))
      throw new ValidationError('Unknown flag', [{ path: 'flag', message: `no flag named ${flag}` }]);
    const def: FlagDefinition = features[flag];
    const parsed = def.schema.safeParse(value);
    if (!parsed.success)
      throw new ValidationError(`Invalid value for ${flag}`, [
        { path: 'value', message: parsed.error.issues.map((i) => i.message).join('; ') },
      ]);
    const refusal = this.deps.refuse?.(flag, parsed.data);
    if (refusal) throw new ValidationError(refusal, [{ path: 'value', message: refusal }]);
    for (const veto of this.vetoes) await veto(flag, parsed.data);
    return this.change(flag, 'set', parsed.data, actor);
  }

  async reset(flag: string, actor: string): Promise<FlagDescription> {
    if (!isFlagName(flag)) throw new NotFoundError(`Flag ${flag}`);
    for (const veto of this.vetoes) await veto(flag, this.deps.flags.envValue(flag));
    return this.change(flag, 'reset', null, actor);
  }

  history(query: { limit: number; flag?: string }): Promise<FlagAuditEntry[]> {
    return this.deps.store.history(query);
  }

  private async change(
    flag: FlagName,
    action: 'set' | 'reset',
    value: unknown,
    actor: string,
  ): Promise<FlagDescription> {
    const { flags, store } = this.deps;
    // read the store first so "old" in the audit line is the value in force, not a stale view
    await flags.refresh('local');
    const oldValue = flags.desired(flag);
    const newValue = action === 'set' ? value : flags.envValue(flag);
    const record = await store.apply({ flag, action, value, oldValue, newValue, actor });
    // Tell the peers as soon as the write is durable, not after our own re-read: on a slow store
    // that re-read took long enough for a peer's poll to beat the notice.
    await Promise.all([flags.refresh('local'), this.deps.publisher?.publish(flag, record.version)]);
    return flags.describeOne(flag);
  }
}
