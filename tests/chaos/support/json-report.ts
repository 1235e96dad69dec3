import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUT_DIR } from '../../../scripts/report/write-chart';

/** Prints figures one per line and writes them to bench-results/chaos/<name>.json. */
export function writeJsonReport(
  name: string,
  figures: Record<string, unknown>,
  log: (l: string) => void,
): string {
  const dir = join(OUT_DIR, 'chaos');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  for (const [k, v] of Object.entries(figures)) log(`${name}: ${k} ${JSON.stringify(v)}`);
  log(`${name}: report ${file}`);
  return file;
}
