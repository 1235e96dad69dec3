import type { Browser } from 'playwright-core';
import { launchChromium } from './support/launch-chromium';
import { type BrowserCluster, startBrowserCluster } from './support/start-browser-cluster';

let browser: Browser;
let cluster: BrowserCluster;

beforeAll(async () => {
  browser = await launchChromium();
  cluster = await startBrowserCluster(2);
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

describe('browser test infrastructure', () => {
  test('When Chromium opens each instance of the cluster, then both answer their health', async () => {
    const page = await browser.newPage();
    for (const url of cluster.urls) {
      const res = await page.goto(`${url}/health/live`);
      expect(res?.status()).toBe(200);
      expect(await res?.json()).toEqual({ status: 'pass' });
    }
    await page.close();
  });
});
