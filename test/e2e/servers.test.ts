// The renderer in Debian's chromium through the real `barkeep serve`: a fresh
// home shows the empty state, the sandbox is created from the UI (a real
// initdb + pg_ctl), and the servers list then shows it with what the engine
// learnt from PostgreSQL. Screenshots of every view go to test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src-main/engine/config/load';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import { isClusterRunning, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { startServeProcess, type ServeProcess } from '../support/serve-process';
import { openTestBrowser, type TestBrowser } from './support/browser';

const screenshots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results/screenshots');
let home: string;
let serve: ServeProcess | undefined;
let browser: TestBrowser | undefined;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-e2e-'));
  // The sandbox cluster lives in the home and runs as postgres, which must be able to enter it.
  chmodSync(home, 0o711);
  serve = await startServeProcess(path.join(home, 'barkeep.conf'));
  browser = await openTestBrowser();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  const sandbox = loadConfig(path.join(home, 'barkeep.conf')).servers.find((server) => server.name === 'sandbox');
  const dataDir = sandbox?.sandboxDataDirectory;
  if (dataDir) {
    const binDir = findPostgresBinDir(sandbox.pgBinDir);
    if (await isClusterRunning(dataDir, binDir).catch(() => false)) await stopCluster(dataDir, binDir, 'immediate');
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  }
  rmSync(home, { recursive: true, force: true });
});

test('a fresh home offers the sandbox; creating it shows the server with its PostgreSQL facts', { timeout: 180_000 }, async () => {
  const page = browser!.page;
  await page.goto(serve!.url);
  await page.locator('html[data-app-state="ready"]').waitFor({ timeout: 30_000 });
  assert.doesNotMatch(page.url(), /token=/, 'the token is taken out of the address bar');

  await page.getByTestId('empty-servers').waitFor();
  await page.screenshot({ path: path.join(screenshots, 'servers-empty.png'), fullPage: true });

  await page.getByTestId('create-sandbox').click();
  const row = page.getByTestId('server-row-sandbox');
  await row.waitFor({ timeout: 120_000 });
  await page.getByText(/15\.\d+/).first().waitFor({ timeout: 30_000 });
  const rowText = await row.innerText();
  assert.match(rowText, /sandbox/);
  assert.match(rowText, /15\.\d+/, 'the PostgreSQL version learnt from the server');
  assert.match(rowText, /\d{15,20}/, 'the system identifier');
  await page.screenshot({ path: path.join(screenshots, 'servers.png'), fullPage: true });

  // Check from the row: the health badge leaves UNKNOWN, and a FAILED badge names its failing checks.
  const health = page.getByTestId('server-health-sandbox');
  assert.equal(await health.innerText(), 'UNKNOWN');
  await page.getByTestId('check-sandbox').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="server-health-sandbox"]')?.textContent !== 'UNKNOWN', undefined, { timeout: 60_000 });
  const verdict = await health.innerText();
  assert.match(verdict, /^(OK|WARNING|FAILED)$/);
  const failing = page.getByTestId('failing-checks-sandbox');
  if (verdict === 'OK') assert.equal(await failing.count(), 0);
  else assert.ok((await failing.locator('li').count()) > 0, 'a FAILED or WARNING server names its failing checks');
  assert.doesNotMatch(verdict === 'OK' ? '' : await failing.innerText(), /^PostgreSQL$/m, 'the sandbox answers');
  await page.screenshot({ path: path.join(screenshots, 'servers-checked.png'), fullPage: true });

  for (const view of ['jobs', 'backups', 'disk', 'restore']) {
    await page.getByTestId(`nav-${view}`).click();
    await page.waitForFunction((name) => location.hash.includes(name), view);
    await page.screenshot({ path: path.join(screenshots, `${view}.png`), fullPage: true });
  }
  await page.getByTestId('nav-jobs').click();
  const sandboxJob = page.locator('[data-testid^="job-row-"]').filter({ hasText: /create the sandbox/i }).first();
  await sandboxJob.waitFor();
  assert.match(await sandboxJob.innerText(), /succeeded/i);

  assert.deepEqual(browser!.errors, [], 'no console errors');
});
