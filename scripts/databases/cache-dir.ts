import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where built tools and remembered failures live between runs. Outside node_modules so
 * `npm ci` does not throw away a FerretDB build; override with SOCIAL_CACHE_DIR.
 */
export function cacheDir(...parts: string[]): string {
  const base =
    process.env.SOCIAL_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'social-scale');
  const dir = join(base, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
