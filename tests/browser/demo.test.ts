import type { Page } from 'playwright-core';
import { demoPeople, logOutAndIn, register, twoDemoPages } from './support/demo-page';
import { screenshot } from './support/launch-chromium';

/**
 * Two people, each in their own browser context on their own instance (the Redis adapter joins
 * them): what one does must reach the other's page live, across processes. Alice has a desktop
 * window, Bob a phone-sized one. Installed features' panels have their own suites
 * (<feature>-demo.test.ts).
 */
const { suffix, alice, bob } = demoPeople();

const demo = twoDemoPages();
let a: Page;
let b: Page;
beforeAll(() => {
  ({ a, b } = demo);
});

describe('The demo client, two people on two instances', () => {
  test('When the page loads, then it runs under the CSP (its modules and the Socket.IO client load) and shows the sign-in forms', async () => {
    expect(demo.cluster.urls[0]).not.toBe(demo.cluster.urls[1]);
    await a.locator('#register-form').waitFor();
    expect(await a.title()).toBe('social-scale demo');
    await screenshot(a, 'demo-sign-in');
    expect(demo.pageErrors).toEqual([]);
  });

  test('When both register, then each is signed in with a live socket to their own instance', async () => {
    await Promise.all([register(a, alice), register(b, bob)]);
    expect(await a.locator('#instance').textContent()).toBe(new URL(demo.cluster.urls[0]!).host);
    expect(await b.locator('#instance').textContent()).toBe(new URL(demo.cluster.urls[1]!).host);
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

  test('When Alice logs out and logs in again, then her conversation is back', async () => {
    await logOutAndIn(a, alice);
    await a.locator(`#conversations [data-conversation="${bob.username}"]`).waitFor();
    expect(demo.pageErrors).toEqual([]);
  });
});
