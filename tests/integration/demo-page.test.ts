import { startTestServer, type TestServer } from '../support/test-server';

let srv: TestServer;

/**
 * Plain fetch, not srv.http: the shared supertest client checks every answer against
 * /openapi.json, and the demo's static files are not API operations.
 */
async function get(
  path: string,
): Promise<{ status: number; type: string; location: string | null; text: string }> {
  const res = await fetch(`${srv.url}${path}`, { redirect: 'manual' });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    location: res.headers.get('location'),
    text: await res.text(),
  };
}

beforeAll(async () => {
  srv = await startTestServer();
});

afterAll(async () => {
  await srv?.close();
});

/** Every module reachable from the page's entry, following static imports, as URL paths. */
async function moduleGraph(entry: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    const res = await get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect(res.type).toMatch(/javascript/);
    seen.set(path, res.text);
    if (path.startsWith('/socket.io/')) continue; // the bundle is self-contained
    for (const [, spec] of res.text.matchAll(/^import [^;]*? from '([^']+)';$/gm))
      queue.push(new URL(spec!, `http://x${path}`).pathname);
  }
  return seen;
}

describe('The /demo page', () => {
  test('When /demo is requested, then the page comes with a CSP that allows scripts from this origin only and it has no inline script', async () => {
    const bare = await get('/demo');
    expect([bare.status, bare.location]).toEqual([301, '/demo/']);
    const res = await fetch(`${srv.url}/demo/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = String(res.headers.get('content-security-policy'));
    const html = await res.text();
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/demo\/[\w-]+\.mjs"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test('When the page loads its modules, then every import, including the Socket.IO client the server serves itself, answers JavaScript', async () => {
    const graph = await moduleGraph('/demo/app.mjs');
    expect([...graph.keys()]).toEqual(
      expect.arrayContaining(['/demo/app.mjs', '/demo/chat-view.mjs', '/socket.io/socket.io.esm.min.js']),
    );
    const css = await get('/demo/demo.css');
    expect([css.status, css.type]).toEqual([200, expect.stringMatching(/text\/css/)]);
  });

  test("When the page asks which panels installed features add, then each listed entry loads with its imports under the demo's CSP", async () => {
    const res = await fetch(`${srv.url}/demo/panels.json`);
    expect(res.status).toBe(200);
    expect(String(res.headers.get('content-security-policy'))).toContain("script-src 'self'");
    const panels = (await res.json()) as Array<{ name: string; entry: string }>;
    for (const { name, entry } of panels) {
      expect(entry.startsWith(`/demo/panels/${name}/`)).toBe(true);
      const graph = await moduleGraph(entry);
      expect(graph.has(entry)).toBe(true);
    }
  });

  test('When a file the demo does not have is requested, then it is the API 404 error', async () => {
    const res = await get('/demo/nope.mjs');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error.code).toBe('NOT_FOUND');
  });
});
