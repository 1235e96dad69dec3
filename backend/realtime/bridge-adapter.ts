import { Adapter } from 'socket.io-adapter';
import type { SocketAdapterName } from './socket-adapter';

/** the in-memory adapter's serverSideEmit only warns: an adapter that keeps it has no peers */
const memoryServerSideEmit: unknown = Adapter.prototype.serverSideEmit;

/** The flag a broadcast published on two transports carries: the same id on both. */
export const PACKET_ID = 'bridgeId';

interface Packet {
  type: number;
  data?: unknown[];
  nsp?: string;
}

/** socket.io-adapter's broadcast options, as far as the bridge reads them. */
export interface BroadcastOpts {
  rooms: Set<string>;
  except?: Set<string>;
  flags?: Record<string, unknown>;
}

/** One transport's adapter on one namespace: socket.io-adapter's Adapter surface. */
export interface InnerAdapter {
  rooms: Map<string, Set<string>>;
  sids: Map<string, Set<string>>;
  init(): Promise<void> | void;
  close(): Promise<void> | void;
  serverCount(): Promise<number>;
  addAll(id: string, rooms: Set<string>): Promise<void> | void;
  del(id: string, room: string): Promise<void> | void;
  delAll(id: string): void;
  broadcast(packet: Packet, opts: BroadcastOpts): unknown;
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOpts,
    clientCountCallback: (n: number) => void,
    ack: (...args: unknown[]) => void,
  ): void;
  sockets(rooms: Set<string>): Promise<Set<string>>;
  socketRooms(id: string): Set<string> | undefined;
  fetchSockets(opts: BroadcastOpts): Promise<unknown[]>;
  addSockets(opts: BroadcastOpts, rooms: string[]): void;
  delSockets(opts: BroadcastOpts, rooms: string[]): void;
  disconnectSockets(opts: BroadcastOpts, close: boolean): void;
  serverSideEmit(packet: unknown[]): void;
  persistSession(session: unknown): void;
  restoreSession(pid: string, offset: string): Promise<unknown>;
  apply(opts: BroadcastOpts, callback: (socket: unknown) => void): void;
}

export type InnerConstructor = new (nsp: unknown) => InnerAdapter;

/** Which transport does what, as the live adapter's stage decides. */
export interface Roles {
  /** publishes broadcasts, answers local queries and holds sessions */
  primary: SocketAdapterName;
  /** also publishes each broadcast, with the same packet id (the dual stage) */
  second?: SocketAdapterName;
  /** carries requests that wait for replies: every live instance receives on it */
  requests: SocketAdapterName;
}

/** What a bridge asks of the live adapter that owns it. */
export interface BridgeHost {
  /** a fresh packet id, unique across the cluster */
  nextId(): string;
  /** true when the packet should be delivered (its first arrival in the window) */
  admit(id: string, via: SocketAdapterName): boolean;
  /** each inner adapter as it is built (delivery metrics and tracing wrap it) */
  prepare(inner: InnerAdapter): void;
  unregister(bridge: BridgeAdapter): void;
}

const quiet = (r: unknown) => {
  if (r instanceof Promise) r.catch(() => {});
};
const copy = (packet: Packet): Packet =>
  Array.isArray(packet.data) ? { ...packet, data: [...packet.data] } : { ...packet };

/**
 * The adapter Socket.IO builds once per namespace. It holds one inner adapter per attached
 * transport and keeps every one's rooms in step, so any of them can deliver to this
 * instance's sockets. In steady state one transport is attached and each call is one
 * forward. While a move is in its dual stage, a broadcast is published on both transports
 * with one packet id; each inner adapter's local delivery (apply) passes through the
 * host's window first, so each socket gets each packet once whichever copy comes first.
 */
export class BridgeAdapter {
  private readonly inners = new Map<SocketAdapterName, InnerAdapter>();
  private primary!: InnerAdapter;
  private second: InnerAdapter | undefined;
  private request!: InnerAdapter;

  constructor(
    readonly nsp: unknown,
    private readonly host: BridgeHost,
  ) {}

  get rooms(): Map<string, Set<string>> {
    return this.primary.rooms;
  }

  get sids(): Map<string, Set<string>> {
    return this.primary.sids;
  }

  /** the transports attached here */
  attached(): SocketAdapterName[] {
    return [...this.inners.keys()];
  }

  /** their adapters on this namespace */
  innerAdapters(): InnerAdapter[] {
    return [...this.inners.values()];
  }

  /**
   * Builds the transport's adapter for this namespace and copies the rooms of the one in
   * force into it before anything else can run, so no join is missed.
   */
  async attach(mode: SocketAdapterName, Inner: InnerConstructor): Promise<void> {
    if (this.inners.has(mode)) return;
    const inner = new Inner(this.nsp);
    const apply = inner.apply.bind(inner);
    // Only a packet with recipients here enters the window: a transport may drop one for a
    // room this instance does not hold before it gets this far (the pub/sub adapter does),
    // and shadow delivery must compare like with like.
    inner.apply = (opts, callback) => {
      const id = opts.flags?.[PACKET_ID];
      if (typeof id !== 'string') return apply(opts, callback);
      const sockets: unknown[] = [];
      apply(opts, (socket) => sockets.push(socket));
      if (sockets.length === 0 || !this.host.admit(id, mode)) return;
      for (const socket of sockets) callback(socket);
    };
    // after the window: a dropped copy is no delivery for the metrics or the trace
    this.host.prepare(inner);
    const from = this.inners.size > 0 ? this.primary : undefined;
    this.inners.set(mode, inner);
    if (from) for (const [sid, rooms] of from.sids) quiet(inner.addAll(sid, new Set(rooms)));
    else this.primary = this.request = inner;
    await inner.init();
  }

  async detach(mode: SocketAdapterName): Promise<void> {
    const inner = this.inners.get(mode);
    if (!inner || inner === this.primary || inner === this.second || inner === this.request) return;
    this.inners.delete(mode);
    await inner.close();
  }

  setRoles(roles: Roles): void {
    this.primary = this.inners.get(roles.primary) ?? this.primary;
    this.second = roles.second ? this.inners.get(roles.second) : undefined;
    this.request = this.inners.get(roles.requests) ?? this.primary;
  }

  init(): void {}

  async close(): Promise<void> {
    this.host.unregister(this);
    const all = [...this.inners.values()];
    this.inners.clear();
    await Promise.all(all.map((inner) => inner.close()));
  }

  addAll(id: string, rooms: Set<string>): Promise<void> | void {
    if (this.inners.size === 1) return this.primary.addAll(id, rooms);
    for (const inner of this.inners.values()) if (inner !== this.primary) quiet(inner.addAll(id, rooms));
    return this.primary.addAll(id, rooms);
  }

  del(id: string, room: string): Promise<void> | void {
    if (this.inners.size === 1) return this.primary.del(id, room);
    for (const inner of this.inners.values()) if (inner !== this.primary) quiet(inner.del(id, room));
    return this.primary.del(id, room);
  }

  delAll(id: string): void {
    for (const inner of this.inners.values()) inner.delAll(id);
  }

  broadcast(packet: Packet, opts: BroadcastOpts): unknown {
    const second = this.second;
    if (second === undefined || opts.flags?.local) return this.primary.broadcast(packet, opts);
    const both = { ...opts, flags: { ...opts.flags, [PACKET_ID]: this.host.nextId() } };
    // copies: an adapter keeping sessions appends its offset to the packet's data
    quiet(this.primary.broadcast(copy(packet), both));
    quiet(second.broadcast(copy(packet), both));
    return undefined;
  }

  /** acks are counted: one transport, the one every live instance receives on */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOpts,
    clientCountCallback: (n: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    this.request.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  serverCount(): Promise<number> {
    return this.request.serverCount();
  }

  sockets(rooms: Set<string>): Promise<Set<string>> {
    return this.primary.sockets(rooms);
  }

  socketRooms(id: string): Set<string> | undefined {
    return this.primary.socketRooms(id);
  }

  fetchSockets(opts: BroadcastOpts): Promise<unknown[]> {
    return this.request.fetchSockets(opts);
  }

  // Joining, leaving and disconnecting are idempotent: on every publishing transport.
  addSockets(opts: BroadcastOpts, rooms: string[]): void {
    for (const inner of this.publishing()) inner.addSockets(opts, rooms);
  }

  delSockets(opts: BroadcastOpts, rooms: string[]): void {
    for (const inner of this.publishing()) inner.delSockets(opts, rooms);
  }

  disconnectSockets(opts: BroadcastOpts, close: boolean): void {
    for (const inner of this.publishing()) inner.disconnectSockets(opts, close);
  }

  /**
   * With an ack (a request): on the requests transport only. Without (a notice): on every
   * publishing transport, so an instance hears it whichever it receives on; the cluster
   * notices are idempotent, so hearing one twice is harmless. The in-memory adapter has no
   * other instance to tell.
   */
  serverSideEmit(packet: unknown[]): void {
    if (typeof packet.at(-1) === 'function') {
      if (this.request.serverSideEmit === memoryServerSideEmit) {
        (packet.at(-1) as (err: unknown, replies: unknown[]) => void)(null, []);
        return;
      }
      this.request.serverSideEmit(packet);
      return;
    }
    for (const inner of this.publishing())
      if (inner.serverSideEmit !== memoryServerSideEmit) inner.serverSideEmit([...packet]);
  }

  persistSession(session: unknown): void {
    this.primary.persistSession(session);
  }

  restoreSession(pid: string, offset: string): Promise<unknown> {
    return this.primary.restoreSession(pid, offset);
  }

  private publishing(): InnerAdapter[] {
    return this.second ? [this.primary, this.second] : [this.primary];
  }
}
