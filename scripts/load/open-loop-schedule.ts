import { type Histogram, recordMs } from './latency-histogram';

export interface OpenLoopSchedule {
  /** performance.now() of the first send */
  start: number;
  /** ms between two scheduled sends */
  interval: number;
  total: number;
  durationMs: number;
  /** how late each send left against its schedule: the generator's own lag */
  lag: Histogram;
  /** one send; `scheduled` is the time its latency counts from */
  fire(i: number, scheduled: number): void;
  /** once a second, with "elapsed/total s" */
  progress(elapsed: string): void;
}

/**
 * Fires every send at its scheduled time whatever the server does (open loop: a slow answer
 * never delays the next send, so queueing shows in the latency instead of hiding in a lower
 * rate). A late wake-up sends everything already due at once. Resolves after the last send with
 * the time the next progress line is due, for the caller's grace phase.
 */
export function runOpenLoopSchedule(s: OpenLoopSchedule): Promise<number> {
  let progressAt = s.start + 1000;
  return new Promise<number>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < s.total && s.start + i * s.interval <= now) {
        const scheduled = s.start + i * s.interval;
        recordMs(s.lag, now - scheduled);
        s.fire(i, scheduled);
        i++;
      }
      if (now >= progressAt) {
        progressAt += 1000;
        s.progress(`${Math.round((now - s.start) / 1000)}/${Math.round(s.durationMs / 1000)} s`);
      }
      if (i >= s.total) return resolve(progressAt);
      // wake at the next scheduled send (timers round up to ~1 ms; late sends are caught up above)
      setTimeout(tick, Math.max(0, s.start + i * s.interval - performance.now() - 0.5));
    };
    setTimeout(tick, Math.max(0, s.start - performance.now()));
  });
}
