import { startTestServer, type TestServer } from '../support/test-server';

let srv: TestServer;

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
    const res = await srv.http.get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect(res.headers['content-type']).toMatch(/javascript/);
    seen.set(path, res.text);
    if (path.startsWith('/socket.io/')) continue; // the bundle is self-contained
    for (const [, spec] of res.text.matchAll(/^import [^;]*? from '([^']+)';$/gm))
      queue.push(new URL(spec!, `http://x${path}`).pathname);
  }
  return seen;
}

describe('The /demo page', () => {
  test('When /demo is requested, then the page comes with a CSP that allows scripts from this origin only and it has no inline script', async () => {
    await srv.http.get('/demo').expect(301).expect('location', '/demo/');
    const res = await srv.http.get('/demo/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/demo\/[\w-]+\.mjs"/);
      expect(body!.trim()).toBe('');
    }
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test('When the page loads its modules, then every import, including the Socket.IO client the server serves itself, answers JavaScript', async () => {
    const graph = await moduleGraph('/demo/app.mjs');
    expect([...graph.keys()]).toEqual(
      expect.arrayContaining(['/demo/app.mjs', '/demo/chess-board.mjs', '/socket.io/socket.io.esm.min.js']),
    );
    await srv.http
      .get('/demo/demo.css')
      .expect(200)
      .expect('content-type', /text\/css/);
  });

  test('When a file the demo does not have is requested, then it is the API 404 error', async () => {
    const res = await srv.http.get('/demo/nope.mjs').expect(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
