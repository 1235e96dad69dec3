import type { FlagName } from '../../config/features';
import type { FlagDescription } from '../../flags/live-flags';
import type { InstanceInfo } from '../../instances/instance-heartbeat';
import { type FlagInput, flagInput } from './flag-input';
import type { InstanceStatus } from './instance-status';
import type { InstanceStatusBoard } from './instance-status-board';

export interface ConsistencyCount {
  compared: number;
  mismatches: number;
  errors: number;
}

/** Shadow delivery of an adapter move, as one instance or the cluster counts it. */
export interface DeliveryCount {
  both: number;
  oldOnly: number;
  newOnly: number;
  /** mean new-minus-old arrival (ms), weighted by `both` in the cluster's sum */
  latencyDeltaMs: number | null;
}

/** One point of the console's charts: every instance's tallies and their sums. */
export interface ConsistencySample {
  at: string;
  cluster: ConsistencyCount;
  instances: Array<ConsistencyCount & { id: string }>;
  /** the feed migration's shadow comparisons, summed over the instances */
  feed: ConsistencyCount;
  /** the adapter's shadow delivery (instances that reported a move only) */
  delivery: { cluster: DeliveryCount; instances: Array<DeliveryCount & { id: string }> };
}

export interface ConsoleInstance {
  id: string;
  url?: string;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  connections: number;
  flagVersion: number;
  lastSeen: string;
  /** missing when the instance has not published one yet (or runs an older version) */
  status?: InstanceStatus;
}

export interface ConsoleState {
  at: string;
  /** the instance that answered */
  servedBy: string;
  instances: ConsoleInstance[];
  flags: Array<FlagDescription & { input: FlagInput }>;
  sample: ConsistencySample;
}

const count = (c: ConsistencyCount): ConsistencyCount => ({
  compared: c.compared,
  mismatches: c.mismatches,
  errors: c.errors,
});

const delivery = (d: DeliveryCount): DeliveryCount => ({
  both: d.both,
  oldOnly: d.oldOnly,
  newOnly: d.newOnly,
  latencyDeltaMs: d.latencyDeltaMs,
});

function deliverySum(list: DeliveryCount[]): DeliveryCount {
  const both = list.reduce((n, d) => n + d.both, 0);
  const weighted = list.reduce((n, d) => n + (d.latencyDeltaMs ?? 0) * d.both, 0);
  return {
    both,
    oldOnly: list.reduce((n, d) => n + d.oldOnly, 0),
    newOnly: list.reduce((n, d) => n + d.newOnly, 0),
    latencyDeltaMs: both > 0 ? weighted / both : null,
  };
}

/**
 * The console's view of the cluster, sampled on a timer while someone watches. The samples are
 * kept here (a ring) so a page that opens or reconnects gets the chart's recent past at once.
 */
export class ConsoleFeed {
  private readonly samples: ConsistencySample[] = [];
  private readonly listeners = new Set<(state: ConsoleState) => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      instanceId: string;
      instances: () => Promise<InstanceInfo[]>;
      board: Pick<InstanceStatusBoard, 'read'>;
      flags: () => FlagDescription[];
      intervalMs: number;
      keepSamples?: number;
    },
  ) {}

  history(): ConsistencySample[] {
    return [...this.samples];
  }

  async state(): Promise<ConsoleState> {
    const now = Date.now();
    const live = await this.deps.instances().catch(() => [] as InstanceInfo[]);
    const statuses = await this.deps.board.read(live.map((i) => i.id));
    const byId = new Map(statuses.map((s) => [s.id, s]));
    const ids = new Set([...live.map((i) => i.id), ...statuses.map((s) => s.id)]);
    const instances: ConsoleInstance[] = [...ids].sort().map((id) => {
      const info = live.find((i) => i.id === id);
      const status = byId.get(id);
      const startedAt =
        info?.startedAt ?? new Date(now - (status?.health.uptimeSeconds ?? 0) * 1000).toISOString();
      return {
        id,
        ...(info?.url ? { url: info.url } : {}),
        version: info?.version ?? status?.health.version ?? '',
        startedAt,
        uptimeSeconds: status?.health.uptimeSeconds ?? Math.round((now - Date.parse(startedAt)) / 1000),
        connections: status?.health.checks.socket.connections ?? info?.connections ?? 0,
        flagVersion: status?.flagVersion ?? info?.flagVersion ?? 0,
        lastSeen: status?.at ?? info?.lastSeen ?? new Date(now).toISOString(),
        ...(status ? { status } : {}),
      };
    });
    const perInstance = instances.flatMap((i) =>
      i.status ? [{ id: i.id, ...count(i.status.consistency) }] : [],
    );
    const cluster = perInstance.reduce(
      (sum, c) => ({
        compared: sum.compared + c.compared,
        mismatches: sum.mismatches + c.mismatches,
        errors: sum.errors + c.errors,
      }),
      { compared: 0, mismatches: 0, errors: 0 },
    );
    const feed = instances.reduce(
      (sum, i) => ({
        compared: sum.compared + (i.status?.feed?.compared ?? 0),
        mismatches: sum.mismatches + (i.status?.feed?.mismatches ?? 0),
        errors: sum.errors + (i.status?.feed?.errors ?? 0),
      }),
      { compared: 0, mismatches: 0, errors: 0 },
    );
    const deliveries = instances.flatMap((i) => {
      const d = i.status?.health.checks.socket.shadow;
      return d ? [{ id: i.id, ...delivery(d) }] : [];
    });
    return {
      at: new Date(now).toISOString(),
      servedBy: this.deps.instanceId,
      instances,
      flags: this.deps.flags().map((f) => ({ ...f, input: flagInput(f.name as FlagName) })),
      sample: {
        at: new Date(now).toISOString(),
        cluster,
        instances: perInstance,
        feed,
        delivery: { cluster: deliverySum(deliveries), instances: deliveries },
      },
    };
  }

  /** listener gets a state every interval until unsubscribed; sampling runs only while someone listens */
  subscribe(listener: (state: ConsoleState) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.deps.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** samples now (also after a flag change, so every watcher sees it at once) */
  async tick(): Promise<ConsoleState | undefined> {
    const state = await this.state().catch(() => undefined);
    if (!state) return undefined;
    this.record(state.sample);
    for (const l of this.listeners) l(state);
    return state;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private record(sample: ConsistencySample): void {
    this.samples.push(sample);
    const keep = this.deps.keepSamples ?? 720;
    if (this.samples.length > keep) this.samples.splice(0, this.samples.length - keep);
  }
}
