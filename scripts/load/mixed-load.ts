import type { Socket } from 'socket.io-client';
import {
  createLatencyHistogram,
  type Histogram,
  type LatencySummary,
  recordMs,
  summarize,
} from './latency-histogram';
import { runOpenLoopSchedule } from './open-loop-schedule';
import type { VirtualUser } from './virtual-users';

export const ACTIONS = ['dm', 'typing', 'feed', 'post'] as const;
export type Action = (typeof ACTIONS)[number];

/** A virtual user with its socket and the user its direct messages and typing go to. */
export interface MixedUser extends VirtualUser {
  socket: Socket;
  partner: VirtualUser;
}

export interface MixedLoadOptions {
  url: string;
  users: MixedUser[];
  mix: Action[];
  /** actions per second across all users, spread evenly in time and round-robin over users */
  ratePerSecond: number;
  durationMs: number;
  /** after the last scheduled action, how long answers and deliveries may still arrive */
  graceMs: number;
  timeoutMs?: number;
  runTag: string;
  progress?: (line: string) => void;
}

export interface ActionResult {
  scheduled: number;
  ok: number;
  /** "HTTP 503", "RATE_LIMITED", "timeout", "ECONNRESET", … */
  errors: Record<string, number>;
  /** scheduled time → answer (HTTP response or ack) */
  latency: LatencySummary & { p95: number };
  /** scheduled time → the partner's event (dm: message:new, typing: typing) */
  delivery?: LatencySummary & { p95: number };
  delivered?: number;
}

export interface MixedLoadResult {
  startedAt: string;
  ratePerSecond: number;
  users: number;
  durationMs: number;
  wallMs: number;
  actions: Partial<Record<Action, ActionResult>>;
  /** every answer, from the scheduled time */
  latency: LatencySummary & { p95: number };
  /** acknowledged direct messages */
  acked: number;
  /** acked, not delivered live, but there in the recipient's `sync` */
  recoveredBySync: number;
  /** acked and never received: neither live nor through `sync` */
  lost: number;
  /** typing events not relayed (typing is never stored, so `sync` cannot hold them) */
  typingNotDelivered: number;
  disconnects: number;
  /** per second from the first scheduled action: answers by action, and errors */
  timeline: Array<{ second: number; action: string; count: number }>;
  scheduleLag: LatencySummary;
  histograms: { answers: Histogram; perAction: Partial<Record<Action, Histogram>> };
}

function errorKind(err: unknown): string {
  const e = err as Error & { cause?: { code?: string }; code?: string };
  return e.cause?.code ?? e.code ?? (e.message?.includes('timed out') ? 'timeout' : e.name || 'Error');
}

/**
 * Open-loop mixed traffic: actions go out on a fixed schedule whether or not earlier ones were
 * answered, and latency counts from the scheduled time (no coordinated omission). Direct
 * messages carry a clientId, so each one is matched at its recipient; at the end, every
 * acknowledged message not seen live is looked up in the recipient's `sync`, which tells a
 * late or dropped emit (recovered) from a message the server acknowledged and lost.
 */
export async function runMixedLoad(opts: MixedLoadOptions): Promise<MixedLoadResult> {
  const { users, mix } = opts;
  const timeoutMs = opts.timeoutMs ?? 15000;
  const total = Math.max(1, Math.round((opts.ratePerSecond * opts.durationMs) / 1000));
  const interval = 1000 / opts.ratePerSecond;
  const answers = createLatencyHistogram();
  const lag = createLatencyHistogram();
  const perAction: Partial<Record<Action, Histogram>> = {};
  const deliveryHist: Partial<Record<Action, Histogram>> = {};
  const results: Partial<
    Record<Action, { scheduled: number; ok: number; errors: Record<string, number>; delivered: number }>
  > = {};
  for (const a of new Set(mix)) {
    perAction[a] = createLatencyHistogram();
    results[a] = { scheduled: 0, ok: 0, errors: {}, delivered: 0 };
    if (a === 'dm' || a === 'typing') deliveryHist[a] = createLatencyHistogram();
  }
  const timeline = new Map<string, number>();
  const tick = (start: number, action: string) => {
    const key = `${Math.floor((performance.now() - start) / 1000)}|${action}`;
    timeline.set(key, (timeline.get(key) ?? 0) + 1);
  };

  // dm: clientId → { scheduled, recipient } until delivered live
  const pendingDm = new Map<string, { at: number; to: MixedUser }>();
  const ackedDm = new Map<string, MixedUser>();
  // typing: per recipient, scheduled times in send order (one sender per recipient)
  const pendingTyping = new Map<MixedUser, number[]>();
  let disconnects = 0;
  let outstanding = 0;
  const byId = new Map(users.map((u) => [u.id, u]));
  const detach: Array<() => void> = [];
  for (const u of users) {
    const onMessage = (p: { message?: { clientId?: string } }) => {
      const key = p?.message?.clientId;
      const pending = key === undefined ? undefined : pendingDm.get(key);
      if (!pending || pending.to !== u) return;
      pendingDm.delete(key!);
      results.dm!.delivered++;
      recordMs(deliveryHist.dm!, performance.now() - pending.at);
    };
    const onTyping = () => {
      const at = pendingTyping.get(u)?.shift();
      if (at === undefined) return;
      results.typing!.delivered++;
      recordMs(deliveryHist.typing!, performance.now() - at);
    };
    const onDisconnect = () => {
      disconnects++;
    };
    if (results.dm) u.socket.on('message:new', onMessage);
    if (results.typing) u.socket.on('typing', onTyping);
    u.socket.on('disconnect', onDisconnect);
    detach.push(() => {
      u.socket.off('message:new', onMessage);
      u.socket.off('typing', onTyping);
      u.socket.off('disconnect', onDisconnect);
    });
  }

  const start = performance.now() + 20;
  const fail = (action: Action, kind: string) => {
    const r = results[action]!;
    r.errors[kind] = (r.errors[kind] ?? 0) + 1;
    tick(start, 'errors');
  };
  const answered = (action: Action, scheduled: number) => {
    const ms = performance.now() - scheduled;
    recordMs(answers, ms);
    recordMs(perAction[action]!, ms);
    results[action]!.ok++;
    tick(start, action);
  };
  const track = (p: Promise<void>) => {
    outstanding++;
    void p.finally(() => {
      outstanding--;
    });
  };
  const http = async (
    action: Action,
    scheduled: number,
    path: string,
    init: RequestInit,
    expect: number,
    token: string,
  ) => {
    try {
      const res = await fetch(`${opts.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer();
      if (res.status === expect) answered(action, scheduled);
      else fail(action, `HTTP ${res.status}`);
    } catch (err) {
      fail(action, (err as Error).name === 'TimeoutError' ? 'timeout' : errorKind(err));
    }
  };

  const fire = (i: number, scheduled: number) => {
    const action = mix[i % mix.length]!;
    const u = users[Math.floor(i / mix.length) % users.length]!;
    const to = byId.get(u.partner.id);
    results[action]!.scheduled++;
    const key = `${opts.runTag}-${i}`;
    switch (action) {
      case 'dm': {
        if (to) pendingDm.set(key, { at: scheduled, to });
        track(
          u.socket
            .timeout(timeoutMs)
            .emitWithAck('message:send', { recipientId: u.partner.id, text: `load ${key}`, clientId: key })
            .then(
              (reply: { ok?: boolean; error?: { code?: string } }) => {
                if (reply?.ok) {
                  answered('dm', scheduled);
                  if (to) ackedDm.set(key, to);
                } else {
                  pendingDm.delete(key);
                  fail('dm', reply?.error?.code ?? 'NOT_OK');
                }
              },
              (err: unknown) => fail('dm', errorKind(err)),
            ),
        );
        break;
      }
      case 'typing': {
        if (to) pendingTyping.set(to, [...(pendingTyping.get(to) ?? []), scheduled]);
        u.socket.emit('typing', { recipientId: u.partner.id, typing: i % 2 === 0 });
        answered('typing', scheduled); // no ack: "answered" when handed to the socket
        break;
      }
      case 'feed':
        track(http('feed', scheduled, '/api/feed?limit=20', { method: 'GET' }, 200, u.token));
        break;
      case 'post':
        track(
          http(
            'post',
            scheduled,
            '/api/posts',
            { method: 'POST', body: JSON.stringify({ text: `load post ${key}` }) },
            201,
            u.token,
          ),
        );
        break;
    }
  };

  const status = (phase: string) => {
    const s = summarize(answers);
    const done = Object.values(results).reduce((n, r) => n + r!.ok, 0);
    const errors = Object.values(results).reduce(
      (n, r) => n + Object.values(r!.errors).reduce((a, b) => a + b, 0),
      0,
    );
    return `${phase}: scheduled ${Object.values(results).reduce((n, r) => n + r!.scheduled, 0)}/${total} ok ${done} errors ${errors} in flight ${outstanding} p50 ${fmt(s.p50)} p99 ${fmt(s.p99)}`;
  };
  let progressAt = await runOpenLoopSchedule({
    start,
    interval,
    total,
    durationMs: opts.durationMs,
    lag,
    fire,
    progress: (elapsed) => opts.progress?.(status(elapsed)),
  });

  const graceEnd = performance.now() + opts.graceMs;
  const typingLeft = () => [...pendingTyping.values()].reduce((n, q) => n + q.length, 0);
  while (performance.now() < graceEnd && (outstanding > 0 || pendingDm.size > 0 || typingLeft() > 0)) {
    if (performance.now() >= progressAt) {
      progressAt += 1000;
      opts.progress?.(status('draining'));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const wallMs = performance.now() - start;
  for (const off of detach) off();

  // acked but not seen live: is it in the recipient's sync? (persist first, then emit)
  let recoveredBySync = 0;
  let lost = 0;
  const missing = new Map<MixedUser, Set<string>>();
  for (const [key, to] of ackedDm) {
    if (!pendingDm.has(key)) continue;
    if (!missing.has(to)) missing.set(to, new Set());
    missing.get(to)!.add(key);
  }
  const since = new Date(Date.now() - wallMs - 60_000).toISOString();
  for (const [to, keys] of missing) {
    const found = await syncClientIds(to.socket, since, timeoutMs).catch(() => new Set<string>());
    for (const k of keys) {
      if (found.has(k)) recoveredBySync++;
      else lost++;
    }
  }

  const actions: Partial<Record<Action, ActionResult>> = {};
  for (const [a, r] of Object.entries(results) as Array<[Action, NonNullable<(typeof results)[Action]>]>) {
    actions[a] = {
      scheduled: r.scheduled,
      ok: r.ok,
      errors: r.errors,
      latency: summarize95(perAction[a]!),
      ...(deliveryHist[a] ? { delivery: summarize95(deliveryHist[a]!), delivered: r.delivered } : {}),
    };
  }
  return {
    startedAt: new Date(Date.now() - wallMs).toISOString(),
    ratePerSecond: opts.ratePerSecond,
    users: users.length,
    durationMs: opts.durationMs,
    wallMs,
    actions,
    latency: summarize95(answers),
    acked: ackedDm.size,
    recoveredBySync,
    lost,
    typingNotDelivered: typingLeft(),
    disconnects,
    timeline: [...timeline].map(([k, count]) => {
      const [second, action] = k.split('|');
      return { second: Number(second), action: action!, count };
    }),
    scheduleLag: summarize(lag),
    histograms: { answers, perAction },
  };
}

/** Every clientId the user's `sync` returns since `since`, following `hasMore` pages. */
async function syncClientIds(socket: Socket, since: string, timeoutMs: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor = since;
  for (let page = 0; page < 50; page++) {
    const reply = (await socket.timeout(timeoutMs).emitWithAck('sync', { since: cursor })) as {
      ok: boolean;
      messages?: Array<{ clientId?: string }>;
      hasMore?: boolean;
      until?: string;
    };
    if (!reply.ok) throw new Error('sync refused');
    for (const m of reply.messages ?? []) if (m.clientId) ids.add(m.clientId);
    if (!reply.hasMore || !reply.until || reply.until === cursor) break;
    cursor = reply.until;
  }
  return ids;
}

/** the shared summary plus p95, which the load test reports */
function summarize95(h: Histogram): LatencySummary & { p95: number } {
  return { ...summarize(h), p95: h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(95) / 1000 };
}

const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : `${ms.toFixed(1)} ms`);
