import type { Page } from 'playwright-core';
import { demoPeople, logOutAndIn, register, twoDemoPages } from './support/demo-page';
import { screenshot } from './support/launch-chromium';

/**
 * The chess panel of the demo page: two people on two instances (the Redis adapter joins them)
 * play a game by clicking and typing, each move reaching the other board live. Alice has a
 * desktop window, Bob a phone-sized one.
 */
const { alice, bob } = demoPeople();

const demo = twoDemoPages();
let a: Page;
let b: Page;
beforeAll(() => {
  ({ a, b } = demo);
});

/** the piece letter on a square of the page's board ('' when empty), once it is `piece` */
async function squareShows(page: Page, square: string, piece: string): Promise<void> {
  await page.locator(`#board [data-square="${square}"][data-piece="${piece}"]`).waitFor();
}

async function clickMove(page: Page, from: string, to: string): Promise<void> {
  await page.locator(`#board [data-square="${from}"]`).click();
  await page.locator(`#board [data-square="${from}"][aria-pressed="true"]`).waitFor();
  await page.locator(`#board [data-square="${to}"]`).click();
}

describe('The chess panel of the demo client, two people on two instances', () => {
  test('When both register, then the page shows the chess panel to each', async () => {
    await Promise.all([register(a, alice), register(b, bob)]);
    await a.locator('#invite-form').waitFor();
    await b.locator('#invite-form').waitFor();
    expect(await a.locator('#games').textContent()).toBe('No games yet: invite someone.');
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
    await screenshot(a, 'chess-demo-checkmate-desktop');
    await screenshot(b, 'chess-demo-checkmate-phone');
  });

  test('When Alice logs out and logs in again, then the finished game is back', async () => {
    await logOutAndIn(a, alice);
    await a.locator(`#games li[data-opponent="${bob.username}"]`, { hasText: 'checkmate' }).waitFor();
    expect(demo.pageErrors).toEqual([]);
  });
});
