import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../scripts/databases/free-port';
import { main as verifyPresence } from '../../scripts/verify-presence';
import { createTestApp, type TestApp } from '../support/test-app';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

let t: TestApp;
let server: Server;
let url: string;
beforeAll(async () => {
  t = await createTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await t.close();
});

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await verifyPresence(args, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe('When verify:presence asks instances for their tallies', () => {
  it('then it sums them into one percentage and exits 0 when every instance answered', async () => {
    for (let i = 0; i < 4; i++) t.services.presenceTally.record('match');
    t.services.presenceTally.record('mismatch');
    const { code, out } = await run(['--token', TEST_ADMIN_TOKEN, url, url]);
    expect(code).toBe(0);
    expect(out).toMatch(/consistency across 2 instance\(s\): 80\.000 % \(2 mismatches in 10 comparisons\)/);
  });

  it('then an instance that does not answer is listed and the exit code is 1', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { code, out } = await run(['--token', TEST_ADMIN_TOKEN, url, dead]);
    expect(code).toBe(1);
    expect(out).toContain(`${dead}  -`);
    expect(out).toContain('1/2 answered');
  });

  it('then --min fails the run below the threshold, and a wrong token is reported per instance', async () => {
    expect((await run(['--token', TEST_ADMIN_TOKEN, '--min', '99.9', url])).code).toBe(1);
    expect((await run(['--token', TEST_ADMIN_TOKEN, '--min', '50', url])).code).toBe(0);
    const wrong = await run(['--token', 'not-the-admin-token', url]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('unreachable: HTTP 403');
  });

  it('then no token or no instances is a usage error (2)', async () => {
    const saved = { token: process.env.ADMIN_TOKEN, redis: process.env.REDIS_URL };
    delete process.env.ADMIN_TOKEN;
    delete process.env.REDIS_URL;
    try {
      expect((await run([url])).code).toBe(2);
      expect((await run(['--token', TEST_ADMIN_TOKEN])).code).toBe(2);
    } finally {
      if (saved.token !== undefined) process.env.ADMIN_TOKEN = saved.token;
      if (saved.redis !== undefined) process.env.REDIS_URL = saved.redis;
    }
  });
});
