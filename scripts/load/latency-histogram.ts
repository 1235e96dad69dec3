import { build, type Histogram } from 'hdr-histogram-js';

export type { Histogram };

/** Values are recorded in microseconds; anything past 5 minutes is recorded as 5 minutes. */
const MAX_US = 300_000_000;

/** An HDR histogram for latencies: 3 significant digits from 1 µs to 5 min, fixed memory. */
export function createLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_US,
    numberOfSignificantValueDigits: 3,
  });
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(MAX_US, Math.max(1, Math.round(ms * 1000))));
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles in ms; NaN throughout when nothing was recorded. */
export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => (h.totalCount === 0 ? Number.NaN : us / 1000);
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

const CHART_PERCENTILES = [1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9];

/** Rows for write-chart's percentileSpec, in ms. */
export function histogramRows(
  series: string,
  h: Histogram,
): Array<{ series: string; percentile: number; value: number }> {
  if (h.totalCount === 0) return [];
  return CHART_PERCENTILES.map((p) => ({ series, percentile: p, value: h.getValueAtPercentile(p) / 1000 }));
}
