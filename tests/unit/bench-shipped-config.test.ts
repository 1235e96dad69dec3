import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { features } from '../../backend/config/features';
import { SHIPPED_ENV } from '../../scripts/bench/fleet';

/**
 * `npm run bench` measures "shipped" as SHIPPED_ENV: the flags docker-compose.yml and
 * `ecosystem.config.js --env production` set must be exactly those, so a changed default in one
 * place is measured, or fails here.
 */
const ROOT = join(__dirname, '..', '..');
// biome-ignore lint/suspicious/noExplicitAny: the parsed YAML is checked by the assertions
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as any;
// biome-ignore lint/suspicious/noExplicitAny: the pm2 file is plain CommonJS
const ecosystem = require(join(ROOT, 'ecosystem.config.js')) as any;
/** each flag's env variable and its default as env text */
const flagDefaults = new Map<string, string>(Object.values(features).map((f) => [f.env, String(f.default)]));

/** `${VAR:-value}` as compose resolves it with VAR unset */
const resolved = (v: unknown) => String(v).replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1');
/** NODE_ENV and the flags set away from their defaults */
const flagsOf = (env: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(env)
      .map(([k, v]) => [k, resolved(v)] as const)
      .filter(([k, v]) => k === 'NODE_ENV' || (flagDefaults.has(k) && flagDefaults.get(k) !== v)),
  );
const shippedFlags = flagsOf(SHIPPED_ENV);

describe('When the bench measures the shipped configuration', () => {
  it('then its flags are the ones every docker-compose app sets', () => {
    for (const app of ['app1', 'app2', 'app3'])
      expect(flagsOf(compose.services[app].environment)).toEqual(shippedFlags);
  });

  it('then its flags are the ones every pm2 worker sets with --env production', () => {
    const workers = ecosystem.apps.filter((a: { env_production?: unknown }) => a.env_production);
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) expect(flagsOf(w.env_production)).toEqual(shippedFlags);
  });
});
