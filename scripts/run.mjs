// `node scripts/run.mjs NAME [args]`: builds if needed, then calls main(args) of
// dist/scripts/NAME.js and exits with the code it returns.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [name, ...args] = process.argv.slice(2);
if (!name || !/^[\w-]+$/.test(name)) {
  process.stderr.write('usage: node scripts/run.mjs SCRIPT [args]\n');
  process.exit(2);
}
ensureBuilt();
const { main } = createRequire(import.meta.url)(join(root, 'dist', 'scripts', `${name}.js`));
main(args).then(
  (code) => process.exit(code ?? 0),
  (err) => {
    process.stderr.write(`${name} failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
