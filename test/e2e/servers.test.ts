// The renderer in Debian's chromium through the real `barkeep serve`: a fresh
// home shows the empty state, the sandbox is created from the UI (a real
// initdb + pg_ctl), and the servers list then shows it with what the engine
// learnt from PostgreSQL. Screenshots of every view go to test-results/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startE2eApp, type E2eApp } from '../support/e2e-app';

let app: E2eApp | undefined;

before(async () => {
  app = await startE2eApp('servers');
});

// The sandbox made from the UI is found in the configuration and stopped.
after(() => app?.close());

test('a fresh home offers the sandbox; creating it shows the server with its PostgreSQL facts', { timeout: 180_000 }, async () => {
  const { page, shot } = app!;
  await app!.open();
  assert.doesNotMatch(page.url(), /token=/, 'the token is taken out of the address bar');

  await page.getByTestId('empty-servers').waitFor();
  await shot('servers-empty');

  await page.getByTestId('create-sandbox').click();
  const row = page.getByTestId('server-row-sandbox');
  await row.waitFor({ timeout: 120_000 });
  await page.getByText(/15\.\d+/).first().waitFor({ timeout: 30_000 });
  const rowText = await row.innerText();
  assert.match(rowText, /sandbox/);
  assert.match(rowText, /15\.\d+/, 'the PostgreSQL version learnt from the server');
  assert.match(rowText, /\d{15,20}/, 'the system identifier');
  await shot('servers');

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
  await shot('servers-checked');

  for (const view of ['jobs', 'backups', 'disk', 'restore']) {
    await page.getByTestId(`nav-${view}`).click();
    await page.waitForFunction((name) => location.hash.includes(name), view);
    await shot(view);
  }
  await page.getByTestId('nav-jobs').click();
  const sandboxJob = page.locator('[data-testid^="job-row-"]').filter({ hasText: /create the sandbox/i }).first();
  await sandboxJob.waitFor();
  assert.match(await sandboxJob.innerText(), /succeeded/i);

  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
