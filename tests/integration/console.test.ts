import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../support/test-app';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait-for';

const prefix = `console${Math.random().toString(36).slice(2, 8)}:`;
const clusterEnv = { REDIS_URL: '', REDIS_KEY_PREFIX: prefix, CONSOLE_STATUS_INTERVAL_MS: '100' };
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  clusterEnv.REDIS_URL = testRedisUrl();
  a = await createTestApp({ ...clusterEnv, INSTANCE_ID: 'console-a' });
  b = await createTestApp({ ...clusterEnv, INSTANCE_ID: 'console-b' });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('When the console is asked for without the right token', () => {
  it.each(['/admin/console/state', '/admin/console/stream'])(
    'then %s is 401 without a token and 403 with a wrong one',
    async (path) => {
      const none = await a.http.get(path);
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      const wrong = await a.http.get(path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}x`);
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.code).toBe('FORBIDDEN');
    },
  );
});

describe('When a browser opens /console', () => {
  it('then /console redirects to the page, which loads only its own module script', async () => {
    const redirect = await a.http.get('/console');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const page = await a.http.get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="console.mjs"></script>');
    expect(page.text).not.toMatch(/https?:\/\//);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await a.http.get('/console/console.mjs');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('then a file that is not there is the usual 404', async () => {
    const res = await a.http.get('/console/nope.mjs');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('When the console reads the cluster', () => {
  it('then each flag comes with its env value and the control its schema calls for', async () => {
    const res = await a.http.get('/admin/console/state').set(ADMIN_AUTH);
    expect(res.status).toBe(200);
    const byName = new Map(res.body.state.flags.map((f: { name: string }) => [f.name, f]));
    expect(byName.get('presence.mode')).toMatchObject({
      value: 'memory',
      envValue: 'memory',
      source: 'default',
      input: { kind: 'enum', options: ['memory', 'dual-write', 'redis'] },
    });
    expect(byName.get('presence.redisReadPercent')).toMatchObject({
      input: { kind: 'number', min: 0, max: 100, integer: true, rollout: true },
    });
    expect(byName.get('presence.shadowRead')).toMatchObject({ input: { kind: 'boolean' } });
  });

  it("then one instance's console shows the other's health and shadow-read tally, and their sum", async () => {
    b.services.presenceTally.record('match');
    b.services.presenceTally.record('mismatch');
    a.services.presenceTally.record('match');
    const state = await waitFor(
      "B's tally in A's console",
      async () => (await a.http.get('/admin/console/state').set(ADMIN_AUTH)).body.state,
      (s) =>
        s.instances.find((i: { id: string }) => i.id === 'console-b')?.status?.consistency.mismatches === 1 &&
        s.sample.cluster.compared === 3,
    );
    expect(state.servedBy).toBe('console-a');
    const other = state.instances.find((i: { id: string }) => i.id === 'console-b');
    expect(other.status.health.checks.redis.status).toBe('ok');
    expect(other.status.health.checks.redis.breaker).toBe('closed');
    expect(other.status.flags['presence.mode']).toBe('memory');
    expect(state.sample.cluster).toEqual({ compared: 3, mismatches: 1, errors: 0 });
  });

  it('then the event stream sends the chart history, then live states', async () => {
    const server: Server = a.app.listen(0);
    const controller = new AbortController();
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/admin/console/stream`, {
        headers: ADMIN_AUTH,
        signal: controller.signal,
      });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      // compression would hold the events back; no-transform tells it not to touch them
      expect(res.headers.get('content-encoding')).toBeNull();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while ((text.match(/event: state\n/g) ?? []).length < 2) text += (await reader.read()).value ?? '';
      expect(text.startsWith('event: history\n')).toBe(true);
      const firstState = text.split('event: state\ndata: ')[1]!.split('\n\n')[0]!;
      expect(JSON.parse(firstState).servedBy).toBe('console-a');
    } finally {
      controller.abort();
      server.closeAllConnections();
      server.close();
    }
  });
});
