// The server view in Debian's chromium through the real `barkeep serve`, on a
// real sandbox PostgreSQL: open the server from the list, run its checks, take
// two backups with "Backup now" and watch the job's progress, see them in the
// table, read the WAL coverage bar, keep and release a backup, delete one
// through the confirmation dialog, verify one, all from mouse and keyboard.
// Fails on any console or page error. Screenshots go to test-results/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2eApp, type E2eApp } from '../support/e2e-app';
import { runBarkeep } from '../support/run-cli';

let app: E2eApp | undefined;

before(async () => {
  app = await startE2eApp('backups', { demo: true });
});

after(() => app?.close());

/** The backup ids in the table, top (newest) first. */
async function tableIds(page: Page): Promise<string[]> {
  const ids = await page.locator('[data-testid^="backup-row-"]').evaluateAll((rows) => rows
    .map((row) => ({ id: row.getAttribute('data-testid')!.slice('backup-row-'.length), index: Number(row.getAttribute('data-row-index')) }))
    .sort((a, b) => a.index - b.index)
    .map((row) => row.id));
  return ids;
}

/** Clicks "Backup now", sees the job panel with its progress bar, and waits for it to succeed; returns the new backup's id. */
async function backupNow(page: Page, known: string[]): Promise<string> {
  await page.getByTestId('backup-now').click();
  const job = page.getByTestId('backup-job');
  await job.waitFor();
  assert.equal(await job.locator('progress').count(), 1, 'the backup job shows a progress bar');
  await page.locator('[data-testid="backup-job"][data-job-state="succeeded"]').waitFor({ timeout: 120_000 });
  // Its title, state and phase form one polite live region; the progress bar, which moves all the time, is outside it.
  const status = job.locator('[role="status"]');
  assert.match(await status.innerText(), /^backup sandbox\s+succeeded\b/i);
  assert.equal(await status.locator('progress').count(), 0);
  await page.waitForFunction((count) => document.querySelectorAll('[data-testid^="backup-row-"]').length === count, known.length + 1, { timeout: 30_000 });
  const ids = await tableIds(page);
  const added = ids.filter((id) => !known.includes(id));
  assert.equal(added.length, 1, `one new row: ${ids.join(', ')}`);
  return added[0]!;
}

test('the server view: checks, backup now with progress, the table, coverage, keep, delete, verify', { timeout: 300_000 }, async () => {
  const { page, configFile, shot } = app!;
  await app!.open();

  // Open the server from its row in the list.
  await page.getByTestId('server-link-sandbox').click();
  await page.getByTestId('view-server').waitFor();
  assert.match(page.url(), /#\/servers\/sandbox$/);
  await page.getByTestId('backups-empty').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'navigating moves focus to the view heading');

  // Run check: the results list fills, failing checks with their hints.
  await page.getByTestId('run-check').click();
  await page.locator('[data-testid="checks-failing"], [data-testid="checks-passing"]').first().waitFor({ timeout: 60_000 });
  const failing = page.locator('[data-testid="checks-failing"] li');
  for (let index = 0; index < await failing.count(); index += 1) {
    assert.ok((await failing.nth(index).locator('.check-hint').count()) === 1, 'every failing check shows its hint');
  }
  await shot('server-view-checked');

  // Backup now: the job panel shows a progress bar and phase, then the row arrives.
  const first = await backupNow(page, []);
  await shot('server-view-one-backup');
  const firstRow = page.getByTestId(`backup-row-${first}`);
  assert.equal(await firstRow.getAttribute('data-status'), 'DONE');
  assert.match(await page.getByTestId(`retention-${first}`).innerText(), /^VALID/);
  assert.ok((await page.getByTestId(`retention-${first}`).getAttribute('title'))!.length > 0, 'the retention reason is the badge tooltip');

  // Close the WAL the backup needs, so the coverage bar can show a recoverable window.
  const switched = await runBarkeep(['-c', configFile, 'switch-wal', 'sandbox', '--force', '--archive', '--archive-timeout', '60']);
  assert.equal(switched.code, 0, `switch-wal failed:\n${switched.stdout}\n${switched.stderr}`);
  const second = await backupNow(page, [first]);
  assert.deepEqual(await tableIds(page), [second, first], 'newest first');
  // The finished job's panel goes when dismissed.
  await page.getByTestId('backup-job-dismiss').click();
  await page.getByTestId('backup-job').waitFor({ state: 'detached' });
  const switchedAgain = await runBarkeep(['-c', configFile, 'switch-wal', 'sandbox', '--force', '--archive', '--archive-timeout', '60']);
  assert.equal(switchedAgain.code, 0, `switch-wal failed:\n${switchedAgain.stdout}\n${switchedAgain.stderr}`);

  // The coverage bar: both backups as ticks, a recoverable window; the disclosure closes and opens from the keyboard.
  const coverage = page.getByTestId('coverage-section');
  await coverage.getByRole('button', { name: 'Refresh' }).click();
  await page.getByTestId(`coverage-tick-${second}`).waitFor({ timeout: 30_000 });
  await page.getByTestId(`coverage-tick-${first}`).waitFor();
  await page.locator('[data-testid="coverage-recoverable"]').first().waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId('coverage-summary').innerText(), /recoverable from .* to the last archived WAL/);
  await page.getByTestId('coverage-toggle').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('coverage-body').waitFor({ state: 'detached' });
  await page.keyboard.press('Enter');
  await page.getByTestId('coverage-body').waitFor();
  await shot('server-view-coverage');

  // Keyboard in the table: Tab reaches the active row, arrows move, Enter opens the detail.
  await page.getByTestId(`backup-row-${second}`).focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), `backup-row-${first}`);
  await page.keyboard.press('Enter');
  await page.locator(`[data-testid="backup-detail"][data-backup-id="${first}"]`).waitFor();
  await page.getByTestId('backup-detail').getByText('On disk').waitFor();
  await shot('server-view-detail');
  await page.getByTestId('backup-detail-close').click();

  // Keep: Escape closes the dialog; "full" marks the backup; a kept backup cannot be deleted; Release undoes it.
  await page.getByTestId(`keep-${first}`).click();
  await page.getByTestId('keep-dialog').waitFor();
  await shot('server-view-keep-dialog');
  await page.keyboard.press('Escape');
  await page.getByTestId('keep-dialog').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), `keep-${first}`, 'focus returns to the opener');
  await page.keyboard.press('Enter');
  await page.getByTestId('keep-full').click();
  await page.locator(`[data-testid="retention-${first}"][data-retention="KEEP:FULL"]`).waitFor();
  assert.equal(await page.getByTestId(`delete-${first}`).isDisabled(), true, 'a kept backup cannot be deleted');
  await shot('server-view-kept');
  await page.getByTestId(`release-${first}`).click();
  await page.locator(`[data-testid="retention-${first}"][data-retention="VALID"]`).waitFor();

  // Delete the oldest through the confirmation: it names the backup, the bytes, and the lost points in time.
  await page.getByTestId(`delete-${first}`).click();
  const dialog = page.getByTestId('delete-dialog');
  await dialog.waitFor();
  const impact = await dialog.innerText();
  assert.match(impact, new RegExp(`Delete backup ${first}\\?`));
  assert.match(await page.getByTestId('delete-freed').innerText(), /This frees \d/);
  assert.match(await page.getByTestId('delete-loss').innerText(), new RegExp(`oldest backup: recovery to any point before .* ${second} ended, becomes impossible`));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'delete-cancel', 'Cancel has the focus first');
  // Focus stays inside the dialog however far one tabs.
  for (let index = 0; index < 5; index += 1) {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-testid="delete-dialog"]') !== null), true, 'focus is trapped in the dialog');
  }
  await shot('server-view-delete-dialog');
  await page.getByTestId('delete-confirm').click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId(`backup-row-${first}`).waitFor({ state: 'detached' });
  assert.deepEqual(await tableIds(page), [second]);
  const deleted = page.getByTestId('toast-info').filter({ hasText: 'Backup deleted' });
  await deleted.waitFor();

  // A notice on screen for a moment goes when the person moves to another view, even one the pointer holds.
  await page.locator('[data-testid="toast-info"][data-navigation="leaves"]').filter({ hasText: 'Backup deleted' }).waitFor();
  await deleted.hover();
  assert.equal(await page.getByRole('region', { name: 'Notifications' }).getAttribute('data-paused'), 'true');
  await page.evaluate(() => { window.location.hash = '#/jobs'; });
  await page.getByTestId('view-jobs').waitFor();
  await deleted.waitFor({ state: 'detached' });
  await page.evaluate(() => { window.location.hash = '#/servers/sandbox'; });
  await page.getByTestId('view-server').waitFor();

  // Verify the remaining backup: its job succeeds (our checksums and pg_verifybackup).
  await page.getByTestId(`verify-${second}`).click();
  await page.locator(`[data-testid="verify-state-${second}"][data-state="succeeded"]`).waitFor({ timeout: 60_000 });
  await shot('server-view-after-delete');

  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
