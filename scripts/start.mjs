// Entry of `npm start` / `npm run dev`: compiles when the sources are newer than the last
// build, then hands over to dist/scripts/serve.js. Plain JS so it runs before any build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyStatic } from './build/copy-static.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt({ allowTypeErrors = false } = {}) {
  const sources = Math.max(
    newestSource(join(root, 'backend')),
    newestSource(join(root, 'scripts')),
    statSync(join(root, 'tsconfig.json')).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs,
  );
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) {
    copyStatic(); // cheap, and static pages are not .ts: an edited one shows on the next start
    return;
  }
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) {
    process.stderr.write('TypeScript is not installed: run `npm ci` first\n');
    process.exit(1);
  }
  process.stderr.write('[start] compiling TypeScript…\n');
  const res = spawnSync(tsc, ['-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (res.status !== 0) {
    // Tests may run while a teammate's change has a type error elsewhere: tsc still emitted,
    // and `npm test` type-checks strictly in its own build step before jest.
    if (allowTypeErrors && existsSync(join(root, 'dist', 'backend', 'server.js'))) {
      process.stderr.write('[start] type errors above; running the emitted JavaScript anyway\n');
      copyStatic();
      return;
    }
    process.exit(res.status ?? 1);
  }
  copyStatic();
  writeFileSync(stamp, String(Date.now()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureBuilt();
  const require = createRequire(import.meta.url);
  const { serve } = require(join(root, 'dist', 'scripts', 'serve.js'));
  serve({ dev: process.argv.includes('--dev'), redis: process.argv.includes('--redis') }).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`npm start failed: ${err.message}\n`);
      process.exit(1);
    },
  );
}
