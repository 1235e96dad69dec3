// Copies every backend/**/public folder (pages served from the package, e.g. /demo) next to its
// compiled code in dist/backend, which tsc does not do. Run by `npm run build` and by
// ensureBuilt (scripts/start.mjs) on every start, so an edited page needs no rebuild of the TS.
import { cpSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function publicDirs(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const p = join(dir, entry.name);
    if (entry.name === 'public') found.push(p);
    else found.push(...publicDirs(p));
  }
  return found;
}

export function copyStatic() {
  const backend = join(root, 'backend');
  const copied = [];
  for (const dir of publicDirs(backend)) {
    const target = join(root, 'dist', 'backend', relative(backend, dir));
    cpSync(dir, target, { recursive: true, force: true });
    copied.push(relative(root, target));
  }
  return copied;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const target of copyStatic()) process.stdout.write(`copied ${target}\n`);
}
