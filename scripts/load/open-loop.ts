import type { Socket } from 'socket.io-client';
import {
  createLatencyHistogram,
  type Histogram,
  type LatencySummary,
  recordMs,
  summarize,
} from './latency-histogram';
import { runOpenLoopSchedule } from './open-loop-schedule';
import { ownCpuMs } from './process-cpu';

/** One sender socket and the receiver socket its sends are addressed to. */
export interface Pair {
  sender: Socket;
  receiver: Socket;
  senderId: string;
  receiverId: string;
}

/**
 * What one send is and how its arrival is recognised. `key` is unique per send; a workload
 * that can carry it in the payload (`message:send`'s clientId) matches arrivals by key, one
 * that cannot (`typing` carries only the sender and a boolean) matches them in order per pair,
 * which holds because one sender's events reach one receiver in order.
 */
export interface Workload {
  name: string;
  receiveEvent: string;
  match: 'key' | 'fifo';
  keyOf?: (payload: unknown) => string | undefined;
  /** emits one send; returns the ack's promise, or undefined for an event without an ack */
  send: (pair: Pair, key: string, ackTimeoutMs: number) => Promise<unknown> | undefined;
  /** whether an ack reply means "accepted"; default: reply.ok === true */
  ackOk?: (reply: unknown) => boolean;
}

export interface OpenLoopOptions {
  label: string;
  pairs: Pair[];
  workload: Workload;
  /** sends per second across all pairs, spread evenly in time and round-robin over pairs */
  ratePerSecond: number;
  durationMs: number;
  /** after the last scheduled send, how long acks and deliveries may still arrive */
  graceMs: number;
  ackTimeoutMs?: number;
  /** a unique tag for this run's keys (keys of other runs arriving late are ignored) */
  runTag: string;
  /** called about once a second with a one-line status */
  progress?: (line: string) => void;
  /**
   * each send, accepted ack and (keyed workloads) first delivery as it happens, by key: for
   * callers that draw delivery over time or audit the acked keys afterwards (the chaos suite)
   */
  onOutcome?: (kind: 'sent' | 'acked' | 'delivered', key: string) => void;
}

export interface OpenLoopResult {
  label: string;
  workload: string;
  ratePerSecond: number;
  pairs: number;
  durationMs: number;
  /** from the first scheduled send to the end of the grace wait */
  wallMs: number;
  sent: number;
  acked: number;
  ackErrors: Record<string, number>;
  ackTimeouts: number;
  /** acks still outstanding when the grace window closed */
  unanswered: number;
  delivered: number;
  /** sends not delivered within the window (acked or not); their latency is recorded as the wait so far */
  undelivered: number;
  /** acked (or, for an event without an ack, sent) but not delivered within the grace window */
  lost: number;
  /** deliveries whose key this run never sent, or a second delivery of one key */
  unexpected: number;
  /** scheduled send time → receiver's event (undelivered sends: → end of the window) */
  latency: LatencySummary;
  /** scheduled send time → sender's ack */
  ackLatency: LatencySummary;
  /** how late the generator emitted sends against the schedule: its own saturation */
  scheduleLag: LatencySummary;
  generator: { cpuMs: number; cpuCores: number };
  histogram: Histogram;
}

const ok = (reply: unknown) => (reply as { ok?: unknown } | undefined)?.ok === true;

/**
 * Open-loop load: sends go out on a fixed schedule whether or not earlier ones were answered,
 * and latency counts from the *scheduled* time, so a server (or generator) that falls behind
 * shows its queueing in the figures instead of hiding it (no coordinated omission).
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  const { pairs, workload } = opts;
  const ackTimeoutMs = opts.ackTimeoutMs ?? 30000;
  const isOk = workload.ackOk ?? ok;
  const total = Math.max(1, Math.round((opts.ratePerSecond * opts.durationMs) / 1000));
  const interval = 1000 / opts.ratePerSecond;
  const latency = createLatencyHistogram();
  const ackLatency = createLatencyHistogram();
  const lag = createLatencyHistogram();

  // key → scheduled time, for sends not yet delivered
  const pending = new Map<string, number>();
  // per receiver (fifo): scheduled times in send order
  const fifo = new Map<Socket, number[]>();
  const ackedKeys = new Set<string>();
  let sent = 0;
  let acked = 0;
  let ackTimeouts = 0;
  let withAck = 0;
  let ackSettled = 0;
  let delivered = 0;
  let unexpected = 0;
  const ackErrors: Record<string, number> = {};

  const listeners: Array<[Socket, (p: unknown) => void]> = [];
  for (const pair of pairs) {
    const onEvent =
      workload.match === 'key'
        ? (payload: unknown) => {
            const key = workload.keyOf!(payload);
            const at = key === undefined ? undefined : pending.get(key);
            if (at === undefined) {
              if (key?.startsWith(opts.runTag)) unexpected++;
              return;
            }
            pending.delete(key!);
            delivered++;
            recordMs(latency, performance.now() - at);
            opts.onOutcome?.('delivered', key!);
          }
        : () => {
            const at = fifo.get(pair.receiver)?.shift();
            if (at === undefined) {
              unexpected++;
              return;
            }
            delivered++;
            recordMs(latency, performance.now() - at);
          };
    pair.receiver.on(workload.receiveEvent, onEvent);
    listeners.push([pair.receiver, onEvent]);
    if (workload.match === 'fifo') fifo.set(pair.receiver, []);
  }

  const sendOne = (i: number, scheduled: number) => {
    const pair = pairs[i % pairs.length]!;
    const key = `${opts.runTag}${i}`;
    if (workload.match === 'key') pending.set(key, scheduled);
    else fifo.get(pair.receiver)!.push(scheduled);
    sent++;
    opts.onOutcome?.('sent', key);
    const ack = workload.send(pair, key, ackTimeoutMs);
    if (!ack) return;
    withAck++;
    ack.then(
      (reply) => {
        ackSettled++;
        recordMs(ackLatency, performance.now() - scheduled);
        if (isOk(reply)) {
          acked++;
          opts.onOutcome?.('acked', key);
          if (pending.has(key)) ackedKeys.add(key);
        } else {
          const code = (reply as { error?: { code?: string } })?.error?.code ?? 'NO_OK';
          ackErrors[code] = (ackErrors[code] ?? 0) + 1;
          pending.delete(key); // refused: not expected to arrive
        }
      },
      () => {
        ackSettled++;
        ackTimeouts++;
      },
    );
  };

  const cpuStart = ownCpuMs();
  const start = performance.now() + 20;
  const status = (phase: string) => {
    const s = summarize(latency);
    return `${opts.label} @ ${opts.ratePerSecond}/s ${phase}: sent ${sent}/${total} acked ${acked} delivered ${delivered}${
      ackTimeouts ? ` timeouts ${ackTimeouts}` : ''
    } p99 ${Number.isNaN(s.p99) ? '-' : `${s.p99.toFixed(1)} ms`}`;
  };

  let progressAt = await runOpenLoopSchedule({
    start,
    interval,
    total,
    durationMs: opts.durationMs,
    lag,
    fire: sendOne,
    progress: (elapsed) => opts.progress?.(status(elapsed)),
  });

  // grace: wait for every ack, then for every accepted send to arrive (or the window to close)
  const graceEnd = performance.now() + opts.graceMs;
  while (performance.now() < graceEnd) {
    const outstandingDeliveries =
      workload.match === 'key' ? pending.size : [...fifo.values()].reduce((n, q) => n + q.length, 0);
    const acksDone = ackSettled >= withAck;
    if (acksDone && outstandingDeliveries === 0) break;
    if (performance.now() >= progressAt) {
      progressAt += 1000;
      opts.progress?.(status('draining'));
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const end = performance.now();
  const wallMs = end - start;
  const cpuMs = ownCpuMs() - cpuStart;
  for (const [socket, fn] of listeners) socket.off(workload.receiveEvent, fn);

  // Sends still undelivered are recorded at the time waited so far (censored: "at least this"),
  // so an overloaded run's percentiles are not flattered by leaving its slowest sends out.
  let lost = 0;
  let undelivered = 0;
  if (workload.match === 'key') {
    // acked but never delivered; an event without acks counts every undelivered send
    for (const [key, at] of pending) {
      if (ackedKeys.has(key) || withAck === 0) lost++;
      undelivered++;
      recordMs(latency, end - at);
    }
  } else {
    for (const q of fifo.values()) {
      lost += q.length;
      undelivered += q.length;
      for (const at of q) recordMs(latency, end - at);
    }
  }
  return {
    label: opts.label,
    workload: workload.name,
    ratePerSecond: opts.ratePerSecond,
    pairs: pairs.length,
    durationMs: opts.durationMs,
    wallMs,
    sent,
    acked,
    ackErrors,
    ackTimeouts,
    unanswered: withAck - ackSettled,
    delivered,
    undelivered,
    lost,
    unexpected,
    latency: summarize(latency),
    ackLatency: summarize(ackLatency),
    scheduleLag: summarize(lag),
    generator: { cpuMs, cpuCores: cpuMs / wallMs },
    histogram: latency,
  };
}
