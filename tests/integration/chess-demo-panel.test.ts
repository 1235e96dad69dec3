import { startTestServer, type TestServer } from '../support/test-server';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

/** Plain fetch: the demo's files are not API operations (see demo-page.test.ts). */
const get = async (path: string) => {
  const res = await fetch(`${srv.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};

describe('The chess panel of the demo page', () => {
  test('When the page lists its panels, then chess is there with its module, which loads its board and the shell modules it uses', async () => {
    const panels = JSON.parse((await get('/demo/panels.json')).text) as Array<{
      name: string;
      entry: string;
    }>;
    expect(panels).toContainEqual({ name: 'chess', entry: '/demo/panels/chess/games-view.mjs' });
    const entry = await get('/demo/panels/chess/games-view.mjs');
    expect([entry.status, entry.type]).toEqual([200, expect.stringMatching(/javascript/)]);
    expect(entry.text).toContain('export function mount(');
    const imports = [...entry.text.matchAll(/^import [^;]*? from '([^']+)';$/gm)].map(
      ([, spec]) => new URL(spec!, `http://x/demo/panels/chess/games-view.mjs`).pathname,
    );
    expect(imports.sort()).toEqual([
      '/demo/dom.mjs',
      '/demo/panels/chess/chess-board.mjs',
      '/demo/realtime.mjs',
    ]);
    for (const path of imports) expect((await get(path)).status).toBe(200);
    const css = await get('/demo/panels/chess/chess.css');
    expect([css.status, css.type]).toEqual([200, expect.stringMatching(/text\/css/)]);
  });
});
