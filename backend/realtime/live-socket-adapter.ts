import { randomBytes } from 'node:crypto';
import type { ServerOptions } from 'socket.io';
import { Adapter } from 'socket.io-adapter';
import type { Logger } from '../infra/logger';
import { BoundedDeliveryWindow } from './bounded-delivery-window';
import {
  BridgeAdapter,
  type BridgeHost,
  type InnerAdapter,
  type InnerConstructor,
  type Roles,
} from './bridge-adapter';
import type { DeliveryWindow } from './delivery-window';
import {
  type ShadowDeliveryCounts,
  type ShadowDeliverySink,
  ShadowDeliveryTally,
} from './shadow-delivery-tally';
import type { SocketAdapter, SocketAdapterName } from './socket-adapter';

/**
 * attach: the target is being attached (publish on the old one);
 * dual: both receive here, each broadcast goes on both with one packet id;
 * target: every live instance receives on the target, so it alone is published on;
 * the old one drains for a grace period, then detaches and the move ends.
 */
export type MigrationStage = 'attach' | 'dual' | 'target';

export interface AdapterMigration {
  from: SocketAdapterName;
  to: SocketAdapterName;
  stage: MigrationStage;
}

/** What a live instance says about its adapter in its heartbeat. */
export interface AdapterState {
  adapter: SocketAdapterName;
  receives: SocketAdapterName[];
  migration: AdapterMigration | null;
}

export interface LiveAdapterSettings {
  /** the dual stage lasts at least this long (shadow delivery has something to compare) */
  minDualMs: number;
  /** how long the old transport keeps receiving after the cutover */
  drainMs: number;
  /** how often the dual stage checks whether every live instance receives on the target */
  pollMs?: number;
  /** the delivery window: most packet ids remembered, and for how long */
  windowCapacity?: number;
  windowTtlMs?: number;
}

export interface LiveAdapterDeps {
  /** a transport with its own clients, built when a move attaches it */
  transport(mode: SocketAdapterName): SocketAdapter;
  instanceId: string;
  logger: Logger;
  settings: LiveAdapterSettings;
  /** live instances (heartbeats) and what each says it receives on */
  peers(): Promise<Array<{ id: string; socket?: { receives?: string[] } }>>;
  /** tells the other instances this one's state now (a heartbeat) */
  announce(): Promise<void>;
  shadow?: ShadowDeliverySink;
}

interface Attached {
  transport: SocketAdapter;
  ready: boolean;
  drain?: NodeJS.Timeout;
}

interface Move extends AdapterMigration {
  since: number;
}

const POLL_MS = 250;
const WINDOW_CAPACITY = 50_000;
const WINDOW_TTL_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * The Socket.IO adapter of flag socket.adapter, movable while the instance serves. Socket.IO
 * builds each namespace's adapter once, so the adapter it builds is a bridge (bridge-adapter.ts)
 * over whichever transports are attached; this object decides, per stage, which transport
 * publishes, which carries requests, and when the old one detaches. docs/adapter-migration.md
 * has the stages and what each means for requests, notices and recovery.
 */
export class LiveSocketAdapter implements BridgeHost {
  readonly factory: ServerOptions['adapter'];
  /** connection state recovery: set by the transport the instance started on */
  readonly recovery: boolean;
  private readonly attached = new Map<SocketAdapterName, Attached>();
  private readonly bridges = new Set<BridgeAdapter>();
  private readonly preparers: Array<(inner: InnerAdapter) => void> = [];
  private inForce: SocketAdapterName;
  private move: Move | undefined;
  private generation = 0;
  private readonly tag = `${randomBytes(4).toString('hex')}:`;
  private seq = 0;
  private readonly tally: ShadowDeliveryTally;
  private readonly window: DeliveryWindow;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    start: SocketAdapterName,
    private readonly deps: LiveAdapterDeps,
  ) {
    const transport = deps.transport(start);
    this.inForce = transport.name;
    this.recovery = transport.recovery;
    this.attached.set(this.inForce, { transport, ready: true });
    this.tally = new ShadowDeliveryTally(deps.shadow);
    this.window = new BoundedDeliveryWindow({
      capacity: deps.settings.windowCapacity ?? WINDOW_CAPACITY,
      ttlMs: deps.settings.windowTtlMs ?? WINDOW_TTL_MS,
      onEvict: (_id, first) => this.tally.evicted(first),
    });
    const host = this;
    this.factory = class extends BridgeAdapter {
      constructor(nsp: unknown) {
        super(nsp, host);
        host.register(this);
      }
    } as unknown as ServerOptions['adapter'];
  }

  /** the transport this instance publishes on alone */
  get name(): SocketAdapterName {
    return this.inForce;
  }

  migration(): AdapterMigration | null {
    const m = this.move;
    return m ? { from: m.from, to: m.to, stage: m.stage } : null;
  }

  state(): AdapterState {
    return {
      adapter: this.inForce,
      receives: [...this.attached].filter(([, a]) => a.ready).map(([mode]) => mode),
      migration: this.migration(),
    };
  }

  shadowDelivery(): ShadowDeliveryCounts {
    return this.tally.snapshot();
  }

  /** each inner adapter, those built so far and those to come (delivery metrics, tracing) */
  onInner(prepare: (inner: InnerAdapter) => void): void {
    this.preparers.push(prepare);
    // Socket.IO built the main namespace's adapter with the server, before anyone could ask
    for (const bridge of this.bridges) for (const inner of bridge.innerAdapters()) prepare(inner);
  }

  joined(): Promise<void> {
    return Promise.all([...this.attached.values()].map((a) => a.transport.joined())).then(() => undefined);
  }

  connected(): boolean {
    return this.attached.get(this.inForce)?.transport.connected() ?? false;
  }

  /** Starts moving to `want` (or rolls back to the transport in force); returns at once. */
  moveTo(want: SocketAdapterName): void {
    const move = this.move;
    if (this.closed || (move ? move.to === want : want === this.inForce)) return;
    this.generation += 1;
    if (move && move.stage !== 'target') {
      // before the cutover the old transport was in force all along: stop publishing on the
      // target and let it drain (an instance that already cut over still publishes there)
      this.move = undefined;
      this.applyRoles();
      this.drain(move.to);
      if (want === this.inForce) {
        this.deps.logger.info({ adapter: want, abandoned: move.to }, 'socket adapter move rolled back');
        this.announce();
        return;
      }
    }
    const next: Move = { from: this.inForce, to: want, stage: 'attach', since: Date.now() };
    this.move = next;
    this.tally.start(next.from, next.to, next.since);
    this.startSweeper();
    this.deps.logger.info({ from: next.from, to: want }, 'socket adapter move: attaching the target');
    this.run(next, this.generation).catch((err: unknown) =>
      this.deps.logger.error({ err, from: next.from, to: want }, 'socket adapter move failed'),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation += 1;
    if (this.sweeper) clearInterval(this.sweeper);
    const all = [...this.attached.values()];
    this.attached.clear();
    for (const a of all) if (a.drain) clearTimeout(a.drain);
    await Promise.all(all.map((a) => a.transport.close()));
  }

  // BridgeHost
  nextId(): string {
    this.seq += 1;
    return this.tag + this.seq.toString(36);
  }

  admit(id: string, via: SocketAdapterName): boolean {
    const now = Date.now();
    const local = id.startsWith(this.tag);
    const first = this.window.arrive(id, local ? 'local' : via, now);
    if (first === undefined) return true;
    if (!local) this.tally.repeat(first, via, now);
    return false;
  }

  prepare(inner: InnerAdapter): void {
    for (const p of this.preparers) p(inner);
  }

  unregister(bridge: BridgeAdapter): void {
    this.bridges.delete(bridge);
  }

  private register(bridge: BridgeAdapter): void {
    this.bridges.add(bridge);
    for (const [mode, a] of this.attached)
      bridge
        .attach(mode, innerClass(a.transport))
        .catch((err: unknown) => this.deps.logger.error({ err, adapter: mode }, 'adapter init failed'));
    bridge.setRoles(this.roles());
  }

  private roles(): Roles {
    const m = this.move;
    if (!m) return { primary: this.inForce, requests: this.inForce };
    if (m.stage === 'attach') return { primary: m.from, requests: m.from };
    if (m.stage === 'dual') return { primary: m.from, second: m.to, requests: m.from };
    return { primary: m.to, requests: m.to };
  }

  private applyRoles(): void {
    const roles = this.roles();
    for (const b of this.bridges) b.setRoles(roles);
  }

  private announce(): void {
    this.deps
      .announce()
      .catch((err: Error) =>
        this.deps.logger.warn(
          { err: err.message },
          'adapter state not announced; the next heartbeat carries it',
        ),
      );
  }

  private async run(move: Move, generation: number): Promise<void> {
    const current = () => generation === this.generation && !this.closed;
    await this.attach(move.to);
    if (!current()) return;
    move.stage = 'dual';
    move.since = Date.now();
    this.applyRoles();
    this.deps.logger.info({ from: move.from, to: move.to }, 'socket adapter move: publishing on both');
    this.announce();
    const pollMs = this.deps.settings.pollMs ?? POLL_MS;
    for (;;) {
      await sleep(pollMs);
      if (!current()) return;
      if (Date.now() - move.since < this.deps.settings.minDualMs) continue;
      const peers = await this.deps.peers().catch(() => undefined);
      if (!current()) return;
      const waiting = peers?.filter(
        (p) => p.id !== this.deps.instanceId && !p.socket?.receives?.includes(move.to),
      );
      if (waiting && waiting.length === 0) break;
    }
    move.stage = 'target';
    this.inForce = move.to;
    this.applyRoles();
    this.deps.logger.info({ from: move.from, to: move.to }, 'socket adapter move: publishing on the target');
    this.announce();
    this.drain(move.from, () => {
      if (this.move !== move) return;
      this.move = undefined;
      this.deps.logger.info({ adapter: move.to }, 'socket adapter move done');
      this.announce();
    });
  }

  private async attach(mode: SocketAdapterName): Promise<void> {
    let a = this.attached.get(mode);
    if (a?.drain) {
      clearTimeout(a.drain);
      a.drain = undefined;
    }
    if (!a) {
      a = { transport: this.deps.transport(mode), ready: false };
      this.attached.set(mode, a);
      const Inner = innerClass(a.transport);
      await Promise.all([...this.bridges].map((b) => b.attach(mode, Inner)));
    }
    if (a.ready) return;
    await a.transport.ready();
    a.ready = true;
  }

  /** detaches `mode` after the grace period unless a move needs it again by then */
  private drain(mode: SocketAdapterName, after?: () => void): void {
    const a = this.attached.get(mode);
    if (!a) return;
    if (a.drain) clearTimeout(a.drain);
    a.drain = setTimeout(() => {
      a.drain = undefined;
      if (this.closed || mode === this.inForce || mode === this.move?.to) return;
      this.attached.delete(mode);
      void (async () => {
        await Promise.all([...this.bridges].map((b) => b.detach(mode)));
        await a.transport.close();
        if (this.attached.size === 1) this.stopSweeper();
        this.deps.logger.info({ adapter: mode }, 'socket adapter detached');
        if (after) after();
        else this.announce();
      })().catch((err: unknown) => this.deps.logger.warn({ err, adapter: mode }, 'adapter detach failed'));
    }, this.deps.settings.drainMs);
    a.drain.unref();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.window.sweep(Date.now()), 1000);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.window.clear();
  }
}

function innerClass(transport: SocketAdapter): InnerConstructor {
  return (transport.factory ?? Adapter) as unknown as InnerConstructor;
}
