import type { ServerProcess } from '../../support/server-process';

export interface BreakerEvent {
  /** epoch ms, from the log line's own time */
  at: number;
  instance: string;
  state: 'open' | 'half-open' | 'closed';
}

/** The Redis breaker's state changes as the instance logged them ("redis breaker open" …). */
export function breakerEvents(p: ServerProcess): BreakerEvent[] {
  const out: BreakerEvent[] = [];
  for (const line of p.output().split('\n')) {
    if (!line.includes('"msg":"redis breaker ')) continue;
    try {
      const row = JSON.parse(line) as { time: string; breaker: BreakerEvent['state'] };
      out.push({ at: Date.parse(row.time), instance: p.instanceId, state: row.breaker });
    } catch {
      // a line cut by the output buffer's trim
    }
  }
  return out;
}

export interface BreakerTimes {
  instance: string;
  /** ms from Redis going away to the breaker opening (null: not seen opening) */
  openAfterMs: number | null;
  /** ms from Redis answering again to the breaker closing (null: not seen closing) */
  closeAfterMs: number | null;
}

/** Per instance, how fast its breaker followed one fault: opened after `down`, closed after `up`. */
export function breakerTimes(
  instances: ServerProcess[],
  window: { down: number; up: number; end: number },
): BreakerTimes[] {
  return instances.map((p) => {
    const ev = breakerEvents(p).filter((e) => e.at >= window.down && e.at < window.end);
    const open = ev.find((e) => e.state === 'open');
    const closed = ev.find((e) => e.state === 'closed' && e.at >= window.up);
    return {
      instance: p.instanceId,
      openAfterMs: open ? open.at - window.down : null,
      closeAfterMs: closed ? closed.at - window.up : null,
    };
  });
}
