import type { ChartSpec } from '../report/write-chart';

export interface SweepRow {
  series: string;
  rate: number;
  p99: number;
  lost: number;
  held: boolean;
}

/** p99 by offered rate, one line per side and scenario, with the 250 ms line that defines "held". */
export function sweepSpec(title: string, rows: SweepRow[], heldMs: number): ChartSpec {
  return {
    title,
    width: 560,
    height: 300,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: { filled: true, size: 60 } },
        encoding: {
          x: {
            field: 'rate',
            type: 'quantitative',
            title: 'offered rate (sends/s, log)',
            scale: { type: 'log' },
          },
          y: { field: 'p99', type: 'quantitative', title: 'p99 latency ms (log)', scale: { type: 'log' } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } },
          shape: { field: 'held', type: 'nominal', title: 'held (0 lost, p99 < 250 ms)' },
          tooltip: [
            { field: 'series' },
            { field: 'rate' },
            { field: 'p99', format: '.1f' },
            { field: 'lost' },
          ],
        },
      },
      {
        data: { values: [{ y: heldMs }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}
