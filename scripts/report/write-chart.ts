import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** A Vega-Lite spec; kept loose here, vega-lite validates it when it compiles. */
export type ChartSpec = Record<string, unknown>;

/** the checkout's bench-results/, from dist/scripts/report (compiled) or scripts/report (ts, under Jest) */
export const OUT_DIR = resolve(
  __dirname,
  '..',
  '..',
  __dirname.includes(`${sep}dist${sep}`) ? '..' : '',
  'bench-results',
);

/**
 * Renders a Vega-Lite spec to an SVG file under bench-results/ (git-ignored) and returns its
 * path. Vega renders headlessly (no browser, no canvas); it is ESM with top-level await, so it
 * is loaded with import().
 */
export async function writeChart(name: string, spec: ChartSpec): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    padding: 12,
    ...spec,
  } as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  // a name may carry a folder (chaos/redis-faults)
  const file = join(OUT_DIR, `${name}.svg`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, svg);
  return file;
}

/** Quantiles of a sample at the points a latency percentile plot needs. */
export function percentileRows(
  series: string,
  samples: number[],
): Array<{ series: string; percentile: number; value: number }> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999];
  return sorted.length === 0 ? [] : qs.map((q) => ({ series, percentile: q * 100, value: at(q) }));
}

/**
 * The usual latency picture: value by percentile, one line per series, log scale on the value
 * so microsecond and millisecond series fit one chart and the tail stays visible.
 */
export function percentileSpec(
  title: string,
  unit: string,
  rows: ReturnType<typeof percentileRows>,
): ChartSpec {
  return {
    title,
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'percentile',
        type: 'ordinal',
        title: 'percentile',
        sort: null,
        axis: { labelExpr: "datum.value + ' %'", labelAngle: 0 },
      },
      y: { field: 'value', type: 'quantitative', title: unit, scale: { type: 'log' } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        legend: { labelLimit: 400, orient: 'bottom', columns: 2 },
      },
      tooltip: [{ field: 'series' }, { field: 'percentile' }, { field: 'value', format: '.2f' }],
    },
  };
}
