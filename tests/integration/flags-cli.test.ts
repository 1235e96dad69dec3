import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flagNames } from '../../backend/config/features';
import { type CliIo, main } from '../../scripts/flags';
import { createTestApp, type TestApp } from '../support/test-app';

// a named admin token: the audit's "who" is its name
const CLI_TOKEN = 'cli-user-token-0123456789abcdef';

let t: TestApp;
let server: Server;
let url: string;
beforeAll(async () => {
  t = await createTestApp({ ADMIN_TOKENS: `cli-user:${CLI_TOKEN}` });
  server = t.app.listen(0);
  await new Promise<void>((r) => server.once('listening', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await t.close();
});

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const io: CliIo = {
    env: { ADMIN_URL: url, ADMIN_TOKEN: CLI_TOKEN, ...env },
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  };
  const code = await main(args, io);
  return { code, out, err };
}

describe('When an operator uses the flags CLI', () => {
  it('then list prints every flag with its value and source', async () => {
    const r = await run(['list']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^FLAG\s+VALUE\s+SOURCE/);
    expect(r.out).toMatch(/metrics\.enabled\s+true\s+default/);
    expect(r.out.trim().split('\n')).toHaveLength(1 + flagNames.length);
  });

  it('then set types the value like env does, applies it, and audits the CLI user', async () => {
    const r = await run(['set', 'cache.ttlSeconds', '90']);
    expect(r).toMatchObject({ code: 0, out: 'cache.ttlSeconds = 90 (override)\n' });
    expect(t.services.flags.get('cache.ttlSeconds')).toBe(90);
    const off = await run(['set', 'metrics.enabled', 'off']);
    expect(off.code).toBe(0);
    expect(t.services.flags.get('metrics.enabled')).toBe(false);
    const history = await run(['history', 'cache.ttlSeconds']);
    expect(history.out).toMatch(/cache\.ttlSeconds\s+set\s+300\s+90\s+cli-user/);
  });

  it('then reset goes back to the default', async () => {
    const r = await run(['reset', 'metrics.enabled']);
    expect(r).toMatchObject({ code: 0, out: 'metrics.enabled = true (default)\n' });
    expect(t.services.flags.get('metrics.enabled')).toBe(true);
  });

  it('then a refused value exits 1 with the API error and changes nothing', async () => {
    const r = await run(['set', 'presence.redisReadPercent', '250']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('400 VALIDATION_FAILED');
    expect(t.services.flags.get('presence.redisReadPercent')).toBe(0);
    expect((await run(['set', 'no.such.flag', 'x'])).code).toBe(1);
  });

  it('then a wrong token exits 1 and bad usage exits 2', async () => {
    const wrong = await run(['list'], { ADMIN_TOKEN: 'wrong-token-wrong-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('403');
    expect((await run([])).code).toBe(2);
    expect((await run(['set', 'cache.enabled'])).code).toBe(2);
    expect((await run(['list'], { ADMIN_TOKEN: undefined })).code).toBe(2);
  });

  it('then an unreachable server exits 1', async () => {
    const r = await run(['list'], { ADMIN_URL: 'http://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot reach');
  });
});
