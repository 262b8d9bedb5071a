// The renderer in Debian's chromium through the real `barkeep serve`: a fresh
// home shows the empty state, the sandbox is created from the UI (a real
// initdb + pg_ctl), and the servers list then shows it with what the engine
// learnt from PostgreSQL. Screenshots of every view go to test-results/.
// Then a conf.d file broken by hand while serve runs: the configuration
// warnings notice names it, shows again for a new breakage after a dismissal,
// and leaves once the file is gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

test('a conf.d file broken by hand while serve runs shows as the first configuration warning, and leaves when it is gone', { timeout: 120_000 }, async () => {
  const { page, home, shot } = app!;
  await page.getByTestId('nav-servers').click();
  await page.getByTestId('server-row-sandbox').waitFor();
  const notice = page.getByTestId('config-warnings');
  assert.equal(await notice.count(), 0, 'no warning before');

  const broken = path.join(home, 'conf.d', 'broken.conf');
  writeFileSync(broken, '[broken]\nconninfo = host=127.0.0.1 port=1 user=postgres\nparallel_jobs = many\n');
  await notice.waitFor({ timeout: 30_000 });
  const first = notice.locator('li').first();
  assert.match(await first.innerText(), new RegExp(`^${broken.replace(/[.]/g, '\\.')}:3 \\(not reloaded\\) .*parallel_jobs.*stays in force`));
  await shot('servers-config-not-reloaded');

  // Dismissed, it stays away while the same warnings stand; a new breakage is a new set and shows again.
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await notice.waitFor({ state: 'detached' });
  writeFileSync(broken, '[broken]\nconninfo = host=127.0.0.1 port=1 user=postgres\nbackup_method = postgres\nparallel_jobs = lots\n');
  await notice.waitFor({ timeout: 30_000 });
  assert.match(await notice.locator('li').first().innerText(), /:4 \(not reloaded\) .*parallel_jobs/);

  // Gone: the configuration loads again, and the notice leaves; the sandbox was in force all along.
  rmSync(broken);
  await notice.waitFor({ state: 'detached', timeout: 30_000 });
  await page.getByTestId('server-row-sandbox').waitFor();
  assert.equal(await page.getByTestId('server-row-broken').count(), 0);
  await shot('servers-config-reloaded');

  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
