import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type ClusterUser,
  eventuallySeen,
  onlineSeenFrom,
  registerOn,
  watch,
} from '../support/presence-cluster';
import type { ServerProcess } from '../support/server-process';
import { SocketClients } from '../support/socket-clients';
import { launchChromium, screenshot } from './support/launch-chromium';
import { type BrowserCluster, startBrowserCluster } from './support/start-browser-cluster';

// The page's own globals, for the functions Playwright runs in the browser (tsc has no DOM lib here).
interface PageNode {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): Iterable<PageNode> & ArrayLike<PageNode>;
};

/** the README's copies of the screenshots */
const DOCS_SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');

let browser: Browser;
let bc: BrowserCluster;
let a: ServerProcess;
let b: ServerProcess;
let context: BrowserContext;
let onA: Page;
let onB: Page;
const clients = new SocketClients(() => a.url);
let watcher: ClusterUser;
let bob: ClusterUser;
let amy: ClusterUser;

async function saveScreenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  const path = await screenshot(page, name, opts);
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  copyFileSync(path, join(DOCS_SCREENSHOTS, `${name}.png`));
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Open console' }).click();
  await page.locator('#instances tbody tr[data-instance]').nth(1).waitFor();
}

/** waits until every instance row shows `text` in the column of `flag` (the value in force there) */
function everyInstanceShows(page: Page, flag: string, text: string): Promise<unknown> {
  return page.waitForFunction(
    ([f, t]) => {
      const cells = [...document.querySelectorAll(`#instances tr[data-instance] td[data-field="${f}"]`)];
      return cells.length === 2 && cells.every((c) => c.textContent === t);
    },
    [flag, text] as const,
    { timeout: 15_000 },
  );
}

/** clicks a flag card's button and confirms in the dialog */
async function changeFlag(page: Page, flag: string, button: 'Set' | 'Roll out' | 'Reset'): Promise<string> {
  const card = page.locator(`article[data-flag="${flag}"]`);
  await card.getByRole('button', { name: button, exact: true }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  const text = (await dialog.locator('#confirm-text').textContent()) ?? '';
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await dialog.waitFor({ state: 'hidden' });
  return text;
}

const flagCard = (page: Page, flag: string) => page.locator(`article[data-flag="${flag}"]`);

beforeAll(async () => {
  browser = await launchChromium();
  bc = await startBrowserCluster(2, {
    CONSOLE_STATUS_INTERVAL_MS: '300',
    PRESENCE_SHADOW_READ: 'false',
    CONTACTS_CACHE_MS: '0',
    SOCKET_EVENTS_PER_SECOND: '1000',
    SOCKET_EVENT_BURST: '1000',
    PRESENCE_GRACE_MS: '0',
    // two instances that hear each other; a move of the adapter stays in its dual stage while
    // the chart is looked at
    SOCKET_ADAPTER: 'redis',
    ADAPTER_DUAL_MIN_MS: '600000',
  });
  [a, b] = bc.cluster.instances as [ServerProcess, ServerProcess];
  [watcher, bob, amy] = await Promise.all([registerOn(a, 'w'), registerOn(a, 'bob'), registerOn(a, 'amy')]);
  await watch(a, watcher, [bob, amy]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  [onA, onB] = await Promise.all([context.newPage(), context.newPage()]);
}, 90_000);

afterAll(async () => {
  clients.closeAll();
  // the browser first: its open event streams would hold the servers' shutdown
  await browser?.close();
  await bc?.stop();
});

describe('When an operator migrates presence from the console', () => {
  it('then a wrong token is refused and the sign-in form says so', async () => {
    await onA.goto(`${a.url}/console`);
    await onA.getByLabel('Admin token').fill('not-the-token');
    await onA.getByRole('button', { name: 'Open console' }).click();
    await onA.getByRole('alert').filter({ hasText: 'refused' }).waitFor();
    expect(await onA.locator('#app').isHidden()).toBe(true);
  });

  it('then signed in on both instances, each lists both instances with their health', async () => {
    await signIn(onA, a.url, bc.adminToken);
    await signIn(onB, b.url, bc.adminToken);
    for (const page of [onA, onB]) {
      const ids = await page
        .locator('#instances tr[data-instance]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')));
      expect(ids.sort()).toEqual([a.instanceId, b.instanceId].sort());
      await everyInstanceShows(page, 'presence.mode', 'memory');
    }
    expect(await onA.locator('#instances .badge.ok').count()).toBe(2);
    expect(await flagCard(onA, 'presence.mode').locator('[data-field="source"]').textContent()).toBe(
      'default',
    );
  });

  it('then turning shadow reads on with the keyboard applies on both instances', async () => {
    const card = flagCard(onA, 'presence.shadowRead');
    await card.getByLabel('New value', { exact: true }).selectOption('true');
    await card.getByRole('button', { name: 'Set', exact: true }).focus();
    await onA.keyboard.press('Enter');
    const dialog = onA.getByRole('dialog');
    await dialog.waitFor();
    // the dialog focuses Confirm, so Enter confirms
    await onA.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await everyInstanceShows(onA, 'presence.shadowRead', 'true');
  });

  it('then dual-write and a raised read percentage reach both instances, seen live on the other instance too', async () => {
    await flagCard(onA, 'presence.mode').getByLabel('New value', { exact: true }).selectOption('dual-write');
    const asked = await changeFlag(onA, 'presence.mode', 'Set');
    expect(asked).toBe('Set presence.mode to dual-write (now memory) on every instance?');
    await flagCard(onA, 'presence.redisReadPercent').getByLabel('Share of users', { exact: true }).fill('50');
    const rollout = await changeFlag(onA, 'presence.redisReadPercent', 'Roll out');
    expect(rollout).toContain('to 50% of users');
    for (const page of [onA, onB]) {
      await everyInstanceShows(page, 'presence.mode', 'dual-write');
      await everyInstanceShows(page, 'presence.redisReadPercent', '50%');
    }
    expect(await flagCard(onB, 'presence.mode').locator('[data-field="override"]').textContent()).toContain(
      'dual-write',
    );
  });

  it('then presence reads on both instances make the consistency chart move', async () => {
    const before = Number(await onA.locator('#chart-compared').getAttribute('data-total'));
    const watchA = await clients.connect(watcher.token, { url: a.url });
    const watchB = await clients.connect(watcher.token, { url: b.url });
    await clients.connect(bob.token, { url: b.url });
    await clients.connect(amy.token, { url: a.url });
    // each instance's own users (a user on the other instance reads online only in Redis's share)
    await eventuallySeen(watchA, amy.id, true);
    await eventuallySeen(watchB, bob.id, true);
    for (let i = 0; i < 10; i++) {
      await onlineSeenFrom(watchA, [bob.id, amy.id]);
      await onlineSeenFrom(watchB, [bob.id, amy.id]);
    }
    // 40 reads on top of the polling above, all shadow-compared
    await onA.waitForFunction(
      (min) => Number(document.querySelector('#chart-compared')?.getAttribute('data-total')) >= min,
      before + 40,
      { timeout: 15_000 },
    );
    for (const id of [a.instanceId, b.instanceId]) {
      const compared = await onA
        .locator(`#consistency tr[data-scope="${id}"] td[data-label="Compared"]`)
        .textContent();
      expect(Number(compared)).toBeGreaterThan(0);
    }
    // the cluster line has points that rise: the chart moved
    const points = await onA
      .locator('#chart-compared polyline[data-series="cluster"]')
      .getAttribute('points');
    const ys = (points ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    expect(new Set(ys).size).toBeGreaterThan(1);
    await saveScreenshot(onA, 'console-dual-write');
  });

  it('then the page stays legible at phone width', async () => {
    await onB.setViewportSize({ width: 390, height: 844 });
    const width = await onB.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await saveScreenshot(onB, 'console-phone', { fullPage: false });
  });

  it('then rolling back resets both flags everywhere and the audit trail shows every step', async () => {
    await changeFlag(onA, 'presence.redisReadPercent', 'Reset');
    await changeFlag(onA, 'presence.mode', 'Reset');
    for (const page of [onA, onB]) {
      await everyInstanceShows(page, 'presence.mode', 'memory');
      await everyInstanceShows(page, 'presence.redisReadPercent', '0%');
    }
    expect(await flagCard(onA, 'presence.mode').locator('[data-field="source"]').textContent()).toBe(
      'default',
    );
    await onA.waitForFunction(() => document.querySelectorAll('#history tbody tr').length >= 5);
    const rows = await onA
      .locator('#history tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          [...tr.querySelectorAll('td')]
            .map((td) => td.textContent)
            .filter((_, i) => [1, 2, 3, 4, 5].includes(i)),
        ),
      );
    // newest first: flag, action, from, to, by
    expect(rows.slice(0, 5)).toEqual([
      ['presence.mode', 'reset', 'dual-write', 'memory', 'admin'],
      ['presence.redisReadPercent', 'reset', '50', '0', 'admin'],
      ['presence.redisReadPercent', 'set', '0', '50', 'admin'],
      ['presence.mode', 'set', 'memory', 'dual-write', 'admin'],
      ['presence.shadowRead', 'set', 'false', 'true', 'admin'],
    ]);
    await saveScreenshot(onA, 'console-rolled-back');
  });
});

describe('When an operator moves the Socket.IO adapter from the console', () => {
  it('then both instances enter the dual stage and messages between them fill the shadow-delivery chart', async () => {
    await onA.setViewportSize({ width: 1280, height: 900 });
    await flagCard(onA, 'socket.adapter')
      .getByLabel('New value', { exact: true })
      .selectOption('redis-streams');
    await changeFlag(onA, 'socket.adapter', 'Set');
    await onA.waitForFunction(
      () =>
        (document.querySelector('#adapter-state')?.textContent ?? '').split('redis-streams (dual)').length ===
        3,
      undefined,
      {
        timeout: 15_000,
      },
    );
    // messages each way: each instance delivers packets that came over both transports
    for (let i = 0; i < 5; i++)
      for (const [from, to, url] of [
        [bob, amy, a.url],
        [amy, bob, b.url],
      ] as const) {
        const res = await fetch(`${url}/api/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${from.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ recipientId: to.id, text: `over both ${i}` }),
        });
        expect(res.status).toBe(201);
      }
    await onA.waitForFunction(
      () => Number(document.querySelector('#chart-delivery')?.getAttribute('data-total')) >= 10,
      undefined,
      { timeout: 15_000 },
    );
    for (const id of [a.instanceId, b.instanceId]) {
      const both = await onA.locator(`#delivery tr[data-scope="${id}"] td[data-label="Both"]`).textContent();
      expect(Number(both)).toBeGreaterThan(0);
    }
    expect(
      await onA.locator('#delivery tr[data-scope="cluster"] td[data-label="Old only"]').textContent(),
    ).toBe('0');
    await onA.locator('#delivery-title').scrollIntoViewIfNeeded();
    await saveScreenshot(onA, 'console-adapter-move');
  });
});
