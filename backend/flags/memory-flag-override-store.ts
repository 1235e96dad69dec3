import type {
  FlagAuditEntry,
  FlagChange,
  FlagOverrideRecord,
  FlagOverrideStore,
} from './flag-override-store';

/** Overrides in this process only: unit tests, and a single instance without a database. */
export class MemoryFlagOverrideStore implements FlagOverrideStore {
  private readonly records = new Map<string, FlagOverrideRecord>();
  private readonly audit: FlagAuditEntry[] = [];
  private version = 0;

  async list(): Promise<FlagOverrideRecord[]> {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  async apply(change: FlagChange): Promise<FlagOverrideRecord> {
    this.version += 1;
    const at = new Date();
    const record: FlagOverrideRecord = {
      name: change.flag,
      value: change.action === 'set' ? change.value : null,
      active: change.action === 'set',
      version: this.version,
      updatedAt: at,
      updatedBy: change.actor,
    };
    this.records.set(change.flag, record);
    this.audit.push({
      version: this.version,
      flag: change.flag,
      action: change.action,
      oldValue: change.oldValue,
      newValue: change.newValue,
      actor: change.actor,
      at,
    });
    return { ...record };
  }

  async history(query: { limit: number; flag?: string }): Promise<FlagAuditEntry[]> {
    return this.audit
      .filter((e) => query.flag === undefined || e.flag === query.flag)
      .sort((a, b) => b.version - a.version)
      .slice(0, query.limit)
      .map((e) => ({ ...e }));
  }
}
