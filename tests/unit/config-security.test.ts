import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../../backend/config/config';
import { weakSecretReason } from '../../backend/config/secret-strength';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const prod = { NODE_ENV: 'production', MONGO_URL: 'mongodb://db/app' };
const strongSecret = () => randomBytes(32).toString('hex');

function problemsOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
}

/** KEY=value lines of an env file, as docker compose's env_file and dotenv read them. */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** docker compose's interpolation of ${X:-default} and ${X:?message} with the given shell env. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) => {
    const v = shell[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose refuses to start: ${name} ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

describe('When an env value is empty', () => {
  it('then it counts as unset for every variable', () => {
    const c = loadConfig({
      ADMIN_TOKEN: '',
      ADMIN_TOKENS: '',
      METRICS_TOKEN: ' ',
      MONGO_URL: '',
      REDIS_URL: '',
      PORT: '',
      INSTANCE_URL: '',
      CORS_ORIGIN: '',
      USE_REDIS_PERCENTAGE: '',
    });
    expect(c.adminTokens).toEqual([]);
    expect(c.metricsToken).toBeUndefined();
    expect(c.mongoUrl).toBeUndefined();
    expect(c.port).toBe(5000);
  });

  it('then .env.example, copied as it is, starts a development config', () => {
    const env = parseEnvFile(read('.env.example'));
    expect(Object.keys(env).length).toBeGreaterThan(20);
    expect(Object.values(env).filter((v) => v === '').length).toBeGreaterThan(3);
    expect(problemsOf(env)).toBe('');
  });

  it('then .env.example with the production essentials filled in starts a production config', () => {
    const env = { ...parseEnvFile(read('.env.example')), ...prod, JWT_SECRET: strongSecret() };
    expect(problemsOf(env)).toBe('');
  });

  it('then .env.example copied into production with a Redis counts the limits in Redis', () => {
    const env = {
      ...parseEnvFile(read('.env.example')),
      ...prod,
      JWT_SECRET: strongSecret(),
      REDIS_URL: 'redis://r:6379',
    };
    expect(loadConfig(env).flags['rateLimit.store']).toBe('redis');
  });

  it("then compose's app instances publish no port: nginx, the one hop TRUST_PROXY=1 believes, is how clients reach them", () => {
    const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { ports?: unknown; environment?: Record<string, string> }>;
    };
    const apps = Object.values(compose.services).filter((s) => s.environment?.NODE_ENV);
    expect(apps).toHaveLength(3);
    for (const app of apps) {
      expect(app.ports).toBeUndefined();
      expect(app.environment!.TRUST_PROXY).toBe('1');
    }
  });

  it("then compose's defaults start every app instance when only JWT_SECRET is given", () => {
    const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const apps = Object.entries(compose.services).filter(([, s]) => s.environment?.NODE_ENV);
    expect(apps.map(([name]) => name)).toEqual(['app1', 'app2', 'app3']);
    const shell = { JWT_SECRET: strongSecret() };
    for (const [, service] of apps) {
      const env = Object.fromEntries(
        Object.entries(service.environment!).map(([k, v]) => [k, interpolate(String(v), shell)]),
      );
      expect(env.ADMIN_TOKEN).toBe('');
      expect(problemsOf(env)).toBe('');
    }
    expect(() => interpolate(String(apps[0]![1].environment!.JWT_SECRET), {})).toThrow(/JWT_SECRET/);
  });
});

describe('When production checks JWT_SECRET', () => {
  it.each([
    ['one character repeated', 'x'.repeat(40)],
    ['one word repeated', 'hunter2!'.repeat(6)],
    ['a known placeholder', 'please-change-me-before-production-0123456789'],
    ['"secret" in it', 'my-jwt-secret-for-the-social-app-2026-xyz'],
    ['too short', 'aB3$dE6^gH9*'],
    ['too few different characters', 'abababababcdcdcdcdcdabcdabcdabcdabcd0101'],
  ])('then %s is refused', (_name, secret) => {
    expect(weakSecretReason(secret)).toBeDefined();
    expect(problemsOf({ ...prod, JWT_SECRET: secret })).toMatch(/JWT_SECRET/);
  });

  it('then a generated secret (hex or base64) passes', () => {
    for (let i = 0; i < 50; i++) {
      expect(weakSecretReason(randomBytes(32).toString('hex'))).toBeUndefined();
      expect(weakSecretReason(randomBytes(32).toString('base64'))).toBeUndefined();
    }
  });

  it('then outside production a weak secret is accepted (tests and dev)', () => {
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(40) })).toBe('');
  });
});

describe('When the token lifetime is configured', () => {
  it('then it defaults to 1h and may be at most 24h', () => {
    expect(loadConfig({}).jwt.expiresIn).toBe('1h');
    expect(loadConfig({ JWT_EXPIRES_IN: '24h' }).jwt.expiresIn).toBe('24h');
    expect(loadConfig({ JWT_EXPIRES_IN: '86400' }).jwt.expiresIn).toBe('86400');
    for (const tooLong of ['25h', '2d', '86401', '7d'])
      expect(problemsOf({ JWT_EXPIRES_IN: tooLong })).toMatch(/JWT_EXPIRES_IN: between 1 second and 24h/);
    expect(problemsOf({ JWT_EXPIRES_IN: '0' })).toMatch(/JWT_EXPIRES_IN/);
    expect(problemsOf({ JWT_EXPIRES_IN: '1w' })).toMatch(/JWT_EXPIRES_IN/);
  });

  it('then tokens are issued for an audience', () => {
    expect(loadConfig({}).jwt.audience).toBe('social-scale:api');
  });
});

describe('When admin tokens are configured', () => {
  const t1 = 'first-admin-token-0123456789';
  const t2 = 'second-admin-token-0123456789';
  it('then ADMIN_TOKENS names several and ADMIN_TOKEN is still accepted as "admin"', () => {
    expect(
      loadConfig({ ADMIN_TOKENS: `alice:${t1}, ci-bot:${t2}`, ADMIN_TOKEN: 'x'.repeat(20) }).adminTokens,
    ).toEqual([
      { name: 'alice', token: t1 },
      { name: 'ci-bot', token: t2 },
      { name: 'admin', token: 'x'.repeat(20) },
    ]);
  });

  it.each([
    ['a missing name', `:${t1}`, /entry 1 needs the form name:token/],
    ['no colon', t1, /entry 1 needs the form name:token/],
    ['a short token', 'alice:short', /token of "alice" needs at least 16/],
    ['a name used twice', `a:${t1},a:${t2}`, /name "a" is used twice/],
    ['one token under two names', `a:${t1},b:${t1}`, /"b" reuses another entry's token/],
  ])('then %s is refused', (_name, value, message) => {
    expect(problemsOf({ ADMIN_TOKENS: value })).toMatch(message);
  });

  it('then METRICS_TOKEN needs 16 characters', () => {
    expect(problemsOf({ METRICS_TOKEN: 'short' })).toMatch(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: 'metrics-token-0123456789' }).metricsToken).toBe(
      'metrics-token-0123456789',
    );
  });
});

describe('When the image is built', () => {
  it('then the runtime stage carries only the compiled server and the context leaves the rest out', () => {
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copies = runtime.split('\n').filter((l) => l.startsWith('COPY'));
    expect(copies).toEqual([
      'COPY package.json package-lock.json ./',
      'COPY --from=build /app/dist/backend ./dist/backend',
    ]);
    expect(dockerfile).not.toMatch(/COPY (tests|scripts)\b/);
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', '.env', 'node_modules', 'dist', 'tests', 'scripts', '.data'])
      expect(ignored).toContain(entry);
  });
});
