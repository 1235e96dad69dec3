import {
  type FlagDefinition,
  type FlagName,
  type FlagSource,
  type FlagValues,
  features,
  flagNames,
} from '../config/features';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { FlagOverrideRecord, FlagOverrideStore } from './flag-override-store';
import type { FlagListener, FlagReader } from './flag-reader';
import { resolveFlag } from './resolve-flag';

export const FLAG_POLL_MS = 10_000;

export type RefreshTrigger = 'start' | 'poll' | 'message' | 'reconnect' | 'local';

export interface FlagDescription {
  name: FlagName;
  /** the value in force on this instance */
  value: unknown;
  default: unknown;
  source: FlagSource;
  /** what the flag falls back to without an override: the env value, else the default */
  envValue: unknown;
  restartRequired: boolean;
  description: string;
  updatedAt: string | null;
  updatedBy: string | null;
  /** restartRequired flags only: what a restart would put in force, and whether it differs */
  pendingValue?: unknown;
  pendingSource?: FlagSource;
  restartPending?: boolean;
}

interface Resolved {
  value: unknown;
  source: FlagSource;
}

/**
 * Flags as every instance sees them: env and defaults from Config, overrides from the store,
 * re-read on start (before the instance serves), on every poll, and whenever FlagSync hears a
 * change on Redis. A restartRequired flag keeps the value it started with; a later override
 * is reported as pending until the next start.
 */
export class LiveFlags implements FlagReader {
  private readonly inForce = new Map<FlagName, Resolved>();
  private readonly latest = new Map<FlagName, Resolved>();
  private records = new Map<string, FlagOverrideRecord>();
  private readonly listeners = new Set<FlagListener>();
  private appliedVersion = 0;
  private loaded = false;
  private inflight: Promise<void> | undefined;
  private rerun = false;
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: FlagOverrideStore;
      /** defaults: each flag's default in this environment (features.ts defaultFor) */
      env: { values: FlagValues; sources: Record<FlagName, FlagSource>; defaults?: FlagValues };
      logger: Logger;
      /** without Redis, overrides that need it are ignored (config refuses them from env too) */
      allowOverride?: (name: FlagName, value: unknown) => string | undefined;
      pollMs?: number;
      metrics?: Pick<Metrics, 'flagRefreshes' | 'flagVersion'>;
    },
  ) {
    for (const name of flagNames) {
      const fromEnv = { value: deps.env.values[name], source: deps.env.sources[name] };
      this.inForce.set(name, fromEnv);
      this.latest.set(name, fromEnv);
    }
  }

  /** Loads overrides (a failure fails the start: serving stale flags silently is worse) and starts polling. */
  async start(): Promise<void> {
    await this.refresh('start');
    const pollMs = this.deps.pollMs ?? FLAG_POLL_MS;
    this.timer = setInterval(() => {
      this.refresh('poll').catch((err: Error) =>
        this.deps.logger.warn({ err: err.message }, 'flag poll failed; keeping current values'),
      );
    }, pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  get<K extends FlagName>(name: K): FlagValues[K] {
    return this.inForce.get(name)!.value as FlagValues[K];
  }

  snapshot(): FlagValues {
    const out = {} as Record<FlagName, unknown>;
    for (const name of flagNames) out[name] = this.inForce.get(name)!.value;
    return out as FlagValues;
  }

  onChange(listener: FlagListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** highest change version applied here; equal on every instance once they are in step */
  get version(): number {
    return this.appliedVersion;
  }

  /** the value that is or will be in force: the pending one for restartRequired flags */
  desired<K extends FlagName>(name: K): FlagValues[K] {
    return this.latest.get(name)!.value as FlagValues[K];
  }

  /** what the flag falls back to without an override */
  envValue<K extends FlagName>(name: K): FlagValues[K] {
    return this.deps.env.values[name];
  }

  /**
   * Re-reads the store. Calls while a read is running join it and trigger one more read after,
   * so a caller that just wrote always sees its write.
   */
  refresh(trigger: RefreshTrigger): Promise<void> {
    this.deps.metrics?.flagRefreshes.inc({ trigger });
    if (this.inflight) {
      this.rerun = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      do {
        this.rerun = false;
        this.apply(await this.deps.store.list());
      } while (this.rerun);
    })().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  describe(): FlagDescription[] {
    return flagNames.map((name) => this.describeOne(name));
  }

  describeOne(name: FlagName): FlagDescription {
    const def: FlagDefinition = features[name];
    const now = this.inForce.get(name)!;
    const record = this.records.get(name);
    const out: FlagDescription = {
      name,
      value: now.value,
      default: this.deps.env.defaults?.[name] ?? def.default,
      source: now.source,
      envValue: this.deps.env.values[name],
      restartRequired: def.restartRequired,
      description: def.description,
      updatedAt: record ? record.updatedAt.toISOString() : null,
      updatedBy: record ? record.updatedBy : null,
    };
    if (def.restartRequired) {
      const next = this.latest.get(name)!;
      out.pendingValue = next.value;
      out.pendingSource = next.source;
      out.restartPending = next.value !== now.value;
    }
    return out;
  }

  private apply(records: FlagOverrideRecord[]): void {
    this.records = new Map(records.map((r) => [r.name, r]));
    const changed: Array<[FlagName, unknown, unknown]> = [];
    for (const name of flagNames) {
      const resolved = resolveFlag(
        name,
        { value: this.deps.env.values[name], source: this.deps.env.sources[name] },
        this.records.get(name),
        { allowOverride: this.deps.allowOverride },
      );
      const record = this.records.get(name);
      if (resolved.ignoredOverride && record && !this.warned.has(`${name}@${record.version}`)) {
        this.warned.add(`${name}@${record.version}`);
        this.deps.logger.warn({ flag: name, reason: resolved.ignoredOverride }, 'flag override ignored');
      }
      const next = { value: resolved.value, source: resolved.source };
      this.latest.set(name, next);
      if (features[name].restartRequired && this.loaded) continue;
      const previous = this.inForce.get(name)!;
      this.inForce.set(name, next);
      if (previous.value !== next.value) changed.push([name, next.value, previous.value]);
    }
    this.appliedVersion = records.reduce((max, r) => Math.max(max, r.version), 0);
    this.deps.metrics?.flagVersion.set(this.appliedVersion);
    const firstLoad = !this.loaded;
    this.loaded = true;
    for (const [name, value, previous] of changed) {
      this.deps.logger.info({ flag: name, value, previous, firstLoad }, 'flag changed');
      for (const l of this.listeners) {
        try {
          (l as (n: FlagName, v: unknown, p: unknown) => void)(name, value, previous);
        } catch (err) {
          this.deps.logger.error({ err, flag: name }, 'flag listener failed');
        }
      }
    }
  }
}
