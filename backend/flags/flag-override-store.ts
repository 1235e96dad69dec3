/** One flag's override as persisted; a reset keeps the record (active false) so versions never go back. */
export interface FlagOverrideRecord {
  name: string;
  value: unknown;
  active: boolean;
  /** the change counter value of the last change to this flag */
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

export interface FlagAuditEntry {
  version: number;
  flag: string;
  action: 'set' | 'reset';
  /** effective values before and after (override ?? env ?? default), so a revert knows what to restore */
  oldValue: unknown;
  newValue: unknown;
  actor: string;
  at: Date;
}

export interface FlagChange {
  flag: string;
  action: 'set' | 'reset';
  /** the override value for 'set'; ignored for 'reset' */
  value: unknown;
  oldValue: unknown;
  newValue: unknown;
  actor: string;
}

/** Where overrides live so they outlive restarts and every instance reads the same ones. */
export interface FlagOverrideStore {
  /** every record, reset ones included */
  list(): Promise<FlagOverrideRecord[]>;
  /** takes the next version, writes the override, appends the audit entry */
  apply(change: FlagChange): Promise<FlagOverrideRecord>;
  /** newest first */
  history(query: { limit: number; flag?: string }): Promise<FlagAuditEntry[]>;
}
