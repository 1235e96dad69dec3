import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}

/** `npm ci` refuses a lockfile that lists an optional dependency without its own entry. */
describe('When the lockfile is read', () => {
  it('then every optional dependency of a locked package has an entry (else run npm run lock:fill)', () => {
    const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const missing: string[] = [];
    for (const [path, meta] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(meta.optionalDependencies ?? {})) {
        const base = path === '' ? '' : `${path}/`;
        if (!lock.packages[`${base}node_modules/${dep}`] && !lock.packages[`node_modules/${dep}`])
          missing.push(dep);
      }
    }
    expect(missing).toEqual([]);
  });
});
