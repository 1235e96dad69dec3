import { sumSamples } from '../../support/scrape-metrics';
import type { ServerProcess } from '../../support/server-process';
import { TEST_ADMIN_TOKEN } from '../../support/test-env';

/** One /metrics scrape of one instance: the figures the chaos suite follows over time. */
export interface InstanceSample {
  /** ms since the watch started */
  t: number;
  instance: string;
  /** worst of the instance's Redis breakers: 0 closed, 1 half-open, 2 open */
  breaker: number;
  heapUsed: number;
  rss: number;
  connections: number;
  adapterRooms: number;
  adapterSids: number;
  presenceLocalUsers: number;
}

export interface BreakerChange {
  t: number;
  instance: string;
  from: number;
  to: number;
}

export interface InstanceWatch {
  samples: InstanceSample[];
  changes: BreakerChange[];
  /** ms since the watch started, the clock every figure of a run uses */
  now(): number;
  stop(): Promise<void>;
}

function breakerOf(text: string): number {
  let worst = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('redis_breaker_state{')) worst = Math.max(worst, Number(line.split(' ').pop()));
  return worst;
}

/**
 * Scrapes every live instance's /metrics (admin token) every `intervalMs` and records breaker
 * state changes as they are seen: the breaker's open and close times are read from outside, as
 * an operator's Prometheus would, at this resolution.
 */
export function watchInstances(
  instances: () => ServerProcess[],
  /** startedAt: epoch ms that t counts from */
  opts: { intervalMs?: number; startedAt?: number } = {},
): InstanceWatch {
  const startedAt = opts.startedAt ?? Date.now();
  const now = () => Date.now() - startedAt;
  const samples: InstanceSample[] = [];
  const changes: BreakerChange[] = [];
  const last = new Map<string, number>();
  let running = true;
  const scrape = async (p: ServerProcess) => {
    const res = await fetch(`${p.url}/metrics`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(2000),
    });
    const text = await res.text();
    const t = now();
    const s: InstanceSample = {
      t,
      instance: p.instanceId,
      breaker: breakerOf(text),
      heapUsed: sumSamples(text, 'nodejs_heap_size_used_bytes'),
      rss: sumSamples(text, 'process_resident_memory_bytes'),
      connections: sumSamples(text, 'socketio_connections'),
      adapterRooms: sumSamples(text, 'socketio_adapter_entries', { kind: 'rooms' }),
      adapterSids: sumSamples(text, 'socketio_adapter_entries', { kind: 'sids' }),
      presenceLocalUsers: sumSamples(text, 'presence_local_entries', { kind: 'users' }),
    };
    samples.push(s);
    const before = last.get(p.instanceId);
    if (before !== undefined && before !== s.breaker)
      changes.push({ t, instance: p.instanceId, from: before, to: s.breaker });
    last.set(p.instanceId, s.breaker);
  };
  const loop = (async () => {
    while (running) {
      const live = instances().filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      await Promise.allSettled(live.map(scrape));
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  })();
  return {
    samples,
    changes,
    now,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
