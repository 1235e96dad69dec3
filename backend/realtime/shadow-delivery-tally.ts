import type { FirstArrival } from './delivery-window';
import type { SocketAdapterName } from './socket-adapter';

/** What one instance saw of the packets both transports should carry during a move. */
export interface ShadowDeliveryCounts {
  from: SocketAdapterName | null;
  to: SocketAdapterName | null;
  /** packets that arrived over both transports */
  both: number;
  /** packets that arrived over the old transport only (the new one lost them) */
  oldOnly: number;
  /** packets that arrived over the new transport only (the old one lost them) */
  newOnly: number;
  /** mean arrival over the new transport minus over the old, in ms; null before any */
  latencyDeltaMs: number | null;
  /** when this tally started (the move's start); null before any move */
  since: string | null;
}

/** Where the counts go as well (Prometheus); undefined without metrics. */
export interface ShadowDeliverySink {
  arrived(via: 'both' | 'old' | 'new'): void;
}

/**
 * Shadow delivery: while each broadcast is published on two transports, every packet that
 * leaves the delivery window tells whether both carried it. A new transport that drops
 * packets shows as oldOnly before the cutover, not as lost events after it.
 */
export class ShadowDeliveryTally {
  private counts: ShadowDeliveryCounts = blank(null, null, null);
  private deltaSum = 0;

  constructor(private readonly sink?: ShadowDeliverySink) {}

  /** starts a fresh tally for the move from → to */
  start(from: SocketAdapterName, to: SocketAdapterName, at: number): void {
    this.counts = blank(from, to, new Date(at).toISOString());
    this.deltaSum = 0;
  }

  /** a second arrival of a packet whose first is `first` */
  repeat(first: FirstArrival, via: string, at: number): void {
    if (first.repeats !== 1 || first.via === 'local' || via === first.via) return;
    const c = this.counts;
    const delta = via === c.to ? at - first.at : first.at - at;
    c.both += 1;
    this.deltaSum += delta;
    c.latencyDeltaMs = this.deltaSum / c.both;
    this.sink?.arrived('both');
  }

  /** a packet left the window */
  evicted(first: FirstArrival): void {
    if (first.repeats > 0 || first.via === 'local') return;
    const c = this.counts;
    if (first.via === c.from) {
      c.oldOnly += 1;
      this.sink?.arrived('old');
    } else if (first.via === c.to) {
      c.newOnly += 1;
      this.sink?.arrived('new');
    }
  }

  snapshot(): ShadowDeliveryCounts {
    return { ...this.counts };
  }
}

function blank(
  from: SocketAdapterName | null,
  to: SocketAdapterName | null,
  since: string | null,
): ShadowDeliveryCounts {
  return { from, to, both: 0, oldOnly: 0, newOnly: 0, latencyDeltaMs: null, since };
}
