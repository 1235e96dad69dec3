import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from './support/launch-chromium';
import { type BrowserCluster, startBrowserCluster } from './support/start-browser-cluster';

/**
 * Two people, each in their own browser context on their own instance (the Redis adapter joins
 * them): what one does must reach the other's page live, across processes. Alice has a desktop
 * window, Bob a phone-sized one.
 */
const suffix = Math.random().toString(36).slice(2, 7);
const alice = {
  username: `alice_${suffix}`,
  email: `alice_${suffix}@example.test`,
  password: 'alice-password-1',
};
const bob = { username: `bob_${suffix}`, email: `bob_${suffix}@example.test`, password: 'bob-password-12' };

let browser: Browser;
let cluster: BrowserCluster;
const contexts: BrowserContext[] = [];
let a: Page;
let b: Page;
const pageErrors: string[] = [];

async function openDemo(
  url: string,
  viewport: { width: number; height: number },
  who: string,
): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`${who} console: ${msg.text()}`);
  });
  await page.goto(`${url}/demo`);
  return page;
}

async function register(page: Page, user: typeof alice): Promise<void> {
  const form = page.locator('#register-form');
  await form.locator('input[name=username]').fill(user.username);
  await form.locator('input[name=email]').fill(user.email);
  await form.locator('input[name=password]').fill(user.password);
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#whoami', { hasText: `@${user.username}` }).waitFor();
  await page.locator('#connection', { hasText: 'live' }).waitFor();
}

/** the piece letter on a square of the page's board ('' when empty), once it is `piece` */
async function squareShows(page: Page, square: string, piece: string): Promise<void> {
  await page.locator(`#board [data-square="${square}"][data-piece="${piece}"]`).waitFor();
}

async function clickMove(page: Page, from: string, to: string): Promise<void> {
  await page.locator(`#board [data-square="${from}"]`).click();
  await page.locator(`#board [data-square="${from}"][aria-pressed="true"]`).waitFor();
  await page.locator(`#board [data-square="${to}"]`).click();
}

beforeAll(async () => {
  // apart, not in one Promise.all: afterAll then stops whichever of the two started
  browser = await launchChromium();
  cluster = await startBrowserCluster(2, { SOCKET_ADAPTER: 'redis' });
  a = await openDemo(cluster.urls[0]!, { width: 1366, height: 900 }, 'alice');
  b = await openDemo(cluster.urls[1]!, { width: 390, height: 844 }, 'bob');
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await cluster?.stop();
});

describe('The demo client, two people on two instances', () => {
  test('When the page loads, then it runs under the CSP (its modules and the Socket.IO client load) and shows the sign-in forms', async () => {
    expect(cluster.urls[0]).not.toBe(cluster.urls[1]);
    await a.locator('#register-form').waitFor();
    expect(await a.title()).toBe('social-scale demo');
    await screenshot(a, 'demo-sign-in');
    expect(pageErrors).toEqual([]);
  });

  test('When both register, then each is signed in with a live socket to their own instance', async () => {
    await Promise.all([register(a, alice), register(b, bob)]);
    expect(await a.locator('#instance').textContent()).toBe(new URL(cluster.urls[0]!).host);
    expect(await b.locator('#instance').textContent()).toBe(new URL(cluster.urls[1]!).host);
  });

  test('When Alice follows Bob by username and Bob posts, then Alice sees the follow and the post in her feed', async () => {
    await a.locator('#find-form input[name=username]').fill(bob.username);
    await a.locator('#find-form').getByRole('button', { name: 'Find' }).click();
    await a.locator('#profile').getByRole('button', { name: 'Follow' }).click();
    await a.locator('#profile').getByRole('button', { name: 'Unfollow' }).waitFor();
    expect(await a.locator('#profile').textContent()).toContain('1 followers');

    const text = `Bob's first post ${suffix}`;
    await b.locator('#post-form textarea[name=text]').fill(text);
    await b.locator('#post-form').getByRole('button', { name: 'Post' }).click();
    await b.locator('#feed li', { hasText: text }).waitFor();
    await a.getByRole('button', { name: 'Refresh feed' }).click();
    await a.locator('#feed li', { hasText: text }).waitFor();
    expect(await a.locator('#feed li', { hasText: text }).textContent()).toContain(`@${bob.username}`);
  });

  test('When Alice sends Bob a message, then it reaches Bob on the other instance live with an unread count, and his reply reaches her', async () => {
    const hello = `Hello Bob, from instance 0 (${suffix})`;
    await a.locator('#message-form input[name=to]').fill(bob.username);
    await a.locator('#message-form input[name=text]').fill(hello);
    await a.locator('#message-form input[name=text]').press('Enter');
    await a.locator('#thread li.mine', { hasText: hello }).waitFor();

    // no reload on Bob's side: message:new refreshed his list
    const conversation = b.locator(`#conversations [data-conversation="${alice.username}"]`);
    await conversation.locator('.badge', { hasText: '1' }).waitFor();
    await screenshot(b, 'demo-chat-unread-phone');
    await conversation.click();
    await b.locator('#thread li', { hasText: hello }).waitFor();
    await conversation.locator('.badge').waitFor({ state: 'detached' });

    const reply = `Hi Alice, instance 1 here (${suffix})`;
    await b.locator('#message-form input[name=text]').fill(reply);
    await b.locator('#message-form').getByRole('button', { name: 'Send' }).click();
    await a.locator('#thread li:not(.mine)', { hasText: reply }).waitFor();
    await screenshot(a, 'demo-chat-desktop');
  });

  test("When they play fool's mate across the instances, then every move appears on the other board live and both see the checkmate", async () => {
    await a.locator('#invite-form input[name=opponent]').fill(bob.username);
    await a.locator('#invite-form select[name=color]').selectOption('white');
    await a.locator('#invite-form').getByRole('button', { name: 'Invite' }).click();
    await a.locator('#game-status', { hasText: `Waiting for @${bob.username} to accept` }).waitFor();

    // the invitation arrives live (game:updated) and Bob accepts it
    await b.getByRole('button', { name: `Accept @${alice.username}'s invitation` }).click();
    await b.locator('#game-status', { hasText: `@${alice.username} to move (white)` }).waitFor();
    await a.locator('#game-status', { hasText: 'Your move (white)' }).waitFor();

    await clickMove(a, 'f2', 'f3');
    await squareShows(b, 'f3', 'P');
    await b.locator('#game-status', { hasText: 'Your move (black)' }).waitFor();

    // Bob uses the keyboard: SAN and Enter
    await b.locator('#move-form input[name=move]').fill('e5');
    await b.locator('#move-form input[name=move]').press('Enter');
    await squareShows(a, 'e5', 'p');

    await clickMove(a, 'g2', 'g4');
    await squareShows(b, 'g4', 'P');

    await clickMove(b, 'd8', 'h4');
    await squareShows(a, 'h4', 'q');
    await a.locator('#game-status', { hasText: `Checkmate: @${bob.username} wins` }).waitFor();
    await b.locator('#game-status', { hasText: 'Checkmate: you win' }).waitFor();
    expect(await a.locator('#moves').textContent()).toBe('Moves: 1. f3 e5 2. g4 Qh4#');
    expect(await b.locator('#moves').textContent()).toBe('Moves: 1. f3 e5 2. g4 Qh4#');
    await screenshot(a, 'demo-checkmate-desktop');
    await screenshot(b, 'demo-checkmate-phone');
  });

  test('When Alice logs out and logs in again, then her conversation and the finished game are back', async () => {
    await a.getByRole('button', { name: 'Log out' }).click();
    await a.locator('#login-form').waitFor();
    expect(await a.locator('#app').isHidden()).toBe(true);

    await a.locator('#login-form input[name=login]').fill(alice.username);
    await a.locator('#login-form input[name=password]').fill(alice.password);
    await a.locator('#login-form input[name=password]').press('Enter');
    await a.locator('#whoami', { hasText: `@${alice.username}` }).waitFor();
    await a.locator('#connection', { hasText: 'live' }).waitFor();
    await a.locator(`#conversations [data-conversation="${bob.username}"]`).waitFor();
    await a.locator(`#games li[data-opponent="${bob.username}"]`, { hasText: 'checkmate' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
