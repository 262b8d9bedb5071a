// Debian's chromium driven by playwright-core (no browser download): headless,
// a fresh temporary profile per launch (Playwright makes and removes it), and every console error or page error recorded so
// a test can fail on it.
import { chromium, type Browser, type Page } from 'playwright-core';

export interface TestBrowser {
  browser: Browser;
  page: Page;
  /** console errors and uncaught page errors seen so far */
  errors: string[];
  close(): Promise<void>;
}

export async function openTestBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return {
    browser,
    page,
    errors,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}
