import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml checked without a Docker engine: the structure `docker compose up` relies
 * on (services, health checks, start order) and that it speaks the same variables as
 * .env.example, so a copied .env starts it.
 */
const ROOT = join(__dirname, '..', '..');
const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the parsed YAML is checked by the assertions
const compose = parse(text, { merge: true }) as any;
const envExample = new Set(
  [...readFileSync(join(ROOT, '.env.example'), 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map(
    (m) => m[1]!,
  ),
);
const apps = ['app1', 'app2', 'app3'];
/** the file without its comment lines: what compose interpolates */
const body = text
  .split('\n')
  .filter((l) => !l.trimStart().startsWith('#'))
  .join('\n');

describe('When docker-compose.yml is read as compose would read it', () => {
  it('then it has three app instances, nginx, MongoDB, Redis, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...apps, 'grafana', 'mongo', 'nginx', 'prometheus', 'redis'].sort(),
    );
    expect(compose.services.mongo.image).toMatch(/^mongo:7/);
    expect(compose.services.redis.image).toMatch(/^redis:7/);
  });

  it('then every app, MongoDB and Redis has a health check, and the apps check readiness', () => {
    for (const name of [...apps, 'mongo', 'redis']) {
      const hc = compose.services[name].healthcheck;
      expect({ name, test: Array.isArray(hc?.test) && hc.test[0] === 'CMD' }).toEqual({ name, test: true });
      expect(hc.retries).toBeGreaterThan(0);
    }
    for (const name of apps)
      expect(compose.services[name].healthcheck.test.join(' ')).toContain('/health/ready');
  });

  it('then each app waits for healthy databases and nginx waits for healthy apps', () => {
    for (const name of apps) {
      expect(compose.services[name].depends_on).toEqual({
        mongo: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(compose.services[name].environment.INSTANCE_ID).toBe(name);
    }
    expect(compose.services.nginx.depends_on).toEqual(
      Object.fromEntries(apps.map((a) => [a, { condition: 'service_healthy' }])),
    );
  });

  it('then nginx mounts the shipped config, whose upstream names the same app services', () => {
    const mount = compose.services.nginx.volumes.find((v: string) => v.includes('nginx.conf'));
    const host = mount.split(':')[0];
    expect(existsSync(join(ROOT, host))).toBe(true);
    const conf = readFileSync(join(ROOT, host), 'utf8');
    expect([...conf.matchAll(/server (app\d+):5000/g)].map((m) => m[1])).toEqual(apps);
  });

  it('then every variable the apps get, and every interpolated variable, is one .env.example documents', () => {
    const given = new Set<string>();
    for (const name of apps) for (const k of Object.keys(compose.services[name].environment)) given.add(k);
    expect([...given].filter((k) => !envExample.has(k))).toEqual([]);
    const read = [...body.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((k) => !envExample.has(k))).toEqual([]);
  });

  it('then an empty value is treated as unset: every interpolation has a default (:-) or a required message (:?)', () => {
    const refs = [...body.matchAll(/\$\{([A-Z0-9_]+)([^}]*)\}/g)];
    expect(refs.filter((m) => !/^:[-?]/.test(m[2]!)).map((m) => m[0])).toEqual([]);
    // only the secret is required; everything else starts on its default
    expect(refs.filter((m) => m[2]!.startsWith(':?')).map((m) => m[1])).toEqual(['JWT_SECRET']);
  });

  it('then the commands its comments point to exist', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    const comments = text
      .split('\n')
      .filter((l) => l.trimStart().startsWith('#'))
      .join('\n');
    for (const m of comments.matchAll(/npm run ([\w:-]+)/g)) expect(Object.keys(scripts)).toContain(m[1]);
    for (const m of comments.matchAll(/\b((?:scripts|tests|deploy)\/[\w./-]+)/g))
      expect({ path: m[1], exists: existsSync(join(ROOT, m[1]!)) }).toEqual({ path: m[1], exists: true });
  });
});
