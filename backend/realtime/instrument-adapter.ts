import type { Metrics } from '../infra/metrics';

/**
 * What a broadcast carries in the adapter payload besides the packet: when and which event
 * was handed to the adapter, and (tracing on) the emitting span's W3C trace context. It rides in
 * the broadcast's `flags`, which every Socket.IO adapter (in-memory, Redis pub/sub, sharded,
 * streams) serialises with the packet and hands back on the receiving instance, and which is
 * never written to a client.
 */
export interface Envelope {
  sentAt: number;
  event: string;
  trace?: Record<string, string>;
}

/** The tracing side of a delivery; undefined while tracing is off. */
export interface DeliveryTrace {
  /** the active context as W3C headers, to carry to the instances that deliver */
  inject(): Record<string, string> | undefined;
  /** runs one instance's writes to its recipients as a child of the emitter's context; run returns how many */
  deliver(carrier: Record<string, string>, event: string, run: () => number): number;
}

interface Packet {
  type: number;
  data?: unknown[];
}

interface Opts {
  rooms: Set<string>;
  except?: Set<string>;
  flags?: Record<string, unknown>;
}

/** The two methods of socket.io-adapter's Adapter that every adapter's delivery goes through. */
export interface AdapterHooks {
  broadcast(packet: Packet, opts: Opts): void;
  apply(opts: Opts, callback: (socket: unknown) => void): void;
}

const KEY = 'envelope';
const EVENT = 2;

function isEnvelope(v: unknown): v is Envelope {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Envelope).sentAt === 'number' &&
    typeof (v as Envelope).event === 'string'
  );
}

/**
 * Wraps one namespace's adapter instance. On the emitting instance, broadcast() adds the
 * envelope. On every instance (the emitter's local delivery and each remote one), the adapter's
 * in-memory base class calls this.apply() to find local recipients, also for packets that came
 * over Redis (they reach the base broadcast through `super`, past any instance override of
 * broadcast): there the delivery latency is observed and the delivery span started.
 */
export function instrumentAdapter(
  adapter: AdapterHooks,
  deps: { metrics: Pick<Metrics, 'socketDelivery'>; trace?: DeliveryTrace },
): void {
  // one labelled child per event name (a handful): no label lookup per delivery
  const delivered = new Map<string, { observe(seconds: number): void }>();
  const deliveryOf = (event: string) => {
    let h = delivered.get(event);
    if (!h) {
      h = deps.metrics.socketDelivery.labels({ event });
      delivered.set(event, h);
    }
    return h;
  };
  const broadcast = adapter.broadcast.bind(adapter);
  const apply = adapter.apply.bind(adapter);
  adapter.broadcast = (packet, opts) => {
    const event = packet.type === EVENT ? packet.data?.[0] : undefined;
    if (typeof event !== 'string' || isEnvelope(opts.flags?.[KEY])) return broadcast(packet, opts);
    const envelope: Envelope = { sentAt: Date.now(), event };
    const trace = deps.trace?.inject();
    if (trace) envelope.trace = trace;
    // a copy: the BroadcastOperator's flags object may be reused by the caller
    broadcast(packet, { ...opts, flags: { ...opts.flags, [KEY]: envelope } });
  };
  adapter.apply = (opts, callback) => {
    const envelope = opts.flags?.[KEY];
    if (!isEnvelope(envelope)) return apply(opts, callback);
    // Recipients first, then the writes: an instance with none reports no delivery at all.
    const sockets: unknown[] = [];
    apply(opts, (socket) => sockets.push(socket));
    if (sockets.length === 0) return;
    const write = () => {
      for (const socket of sockets) callback(socket);
      return sockets.length;
    };
    if (envelope.trace && deps.trace) deps.trace.deliver(envelope.trace, envelope.event, write);
    else write();
    deliveryOf(envelope.event).observe(Math.max(0, Date.now() - envelope.sentAt) / 1000);
  };
}
