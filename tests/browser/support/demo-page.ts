import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './launch-chromium';
import { type BrowserCluster, startBrowserCluster } from './start-browser-cluster';

/** A person trying the demo: one browser context each, so two can be signed in at once. */
export interface DemoUser {
  username: string;
  email: string;
  password: string;
}

/** Two fresh people for one test file (a desktop one and a phone one, by convention). */
export function demoPeople(): { suffix: string; alice: DemoUser; bob: DemoUser } {
  const suffix = Math.random().toString(36).slice(2, 7);
  return {
    suffix,
    alice: {
      username: `alice_${suffix}`,
      email: `alice_${suffix}@example.test`,
      password: 'alice-password-1',
    },
    bob: { username: `bob_${suffix}`, email: `bob_${suffix}@example.test`, password: 'bob-password-12' },
  };
}

/** Opens /demo in a new context of `browser`; page errors and console errors land in `errors`. */
export async function openDemo(
  browser: Browser,
  contexts: BrowserContext[],
  errors: string[],
  url: string,
  viewport: { width: number; height: number },
  who: string,
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => errors.push(`${who}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${who} console: ${msg.text()}`);
  });
  await page.goto(`${url}/demo`);
  return page;
}

/** Alice's desktop page and Bob's phone page on /demo of two instances the Redis adapter joins. */
export interface TwoDemoPages {
  cluster: BrowserCluster;
  /** Alice's, on instance 0 (1366×900) */
  a: Page;
  /** Bob's, on instance 1 (390×844) */
  b: Page;
  /** page and console errors of both */
  pageErrors: string[];
}

/** Opens them in beforeAll (its fields are set from then on) and closes all in afterAll. */
export function twoDemoPages(): TwoDemoPages {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pages = { pageErrors: [] as string[] } as TwoDemoPages;
  beforeAll(async () => {
    // apart, not in one Promise.all: afterAll then stops whichever of the two started
    browser = await launchChromium();
    pages.cluster = await startBrowserCluster(2, { SOCKET_ADAPTER: 'redis' });
    const [url0, url1] = pages.cluster.urls;
    pages.a = await openDemo(
      browser,
      contexts,
      pages.pageErrors,
      url0!,
      { width: 1366, height: 900 },
      'alice',
    );
    pages.b = await openDemo(browser, contexts, pages.pageErrors, url1!, { width: 390, height: 844 }, 'bob');
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await pages.cluster?.stop();
  });
  return pages;
}

/** Registers through the page's form and waits for the live socket. */
export async function register(page: Page, user: DemoUser): Promise<void> {
  const form = page.locator('#register-form');
  await form.locator('input[name=username]').fill(user.username);
  await form.locator('input[name=email]').fill(user.email);
  await form.locator('input[name=password]').fill(user.password);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#whoami', { hasText: `@${user.username}` }).waitFor();
  await page.locator('#connection', { hasText: 'live' }).waitFor();
}

/** Logs out, then in again through the login form, and waits for the live socket. */
export async function logOutAndIn(page: Page, user: DemoUser): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.locator('#login-form').waitFor();
  expect(await page.locator('#app').isHidden()).toBe(true);
  await page.locator('#login-form input[name=login]').fill(user.username);
  await page.locator('#login-form input[name=password]').fill(user.password);
  await page.locator('#login-form input[name=password]').press('Enter');
  await page.locator('#whoami', { hasText: `@${user.username}` }).waitFor();
  await page.locator('#connection', { hasText: 'live' }).waitFor();
}
