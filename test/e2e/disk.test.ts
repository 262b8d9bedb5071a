// The Disk view, the disk banner and the Servers overview in Debian's chromium
// through the real `barkeep serve`, on a real sandbox PostgreSQL with one real
// backup. The test's volume is far from full, so it raises the thresholds
// above the volume's real free share instead: disk_warning_free_percent = 99.9
// gives the amber banner on every view; disk_critical_free_percent = 99.8 (the
// configuration is read at start, so serve restarts) gives the red one. Six
// earlier days of usage samples are written into the catalog for the growth
// chart, scaled from the real measurement of today. Keyboard paths, no console
// errors; screenshots in test-results/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { latestUsageSamples, saveUsageSample } from '../../src-main/engine/disk/usage-history';
import { startE2eApp, type E2eApp } from '../support/e2e-app';
import { runBarkeep } from '../support/run-cli';

const dayMs = 86_400_000;
let app: E2eApp | undefined;

before(async () => {
  // serve starts once the thresholds are set: it reads the configuration at start.
  app = await startE2eApp('disk', { demo: true, serve: false });
});

after(() => app?.close());

/** Sets an option of barkeep.conf's global section (its commented default becomes a real line). */
function setGlobalOption(option: string, value: string): void {
  const { configFile } = app!;
  const text = readFileSync(configFile, 'utf8');
  const line = new RegExp(`^;? ?${option} = .*$`, 'm');
  assert.match(text, line, `barkeep.conf mentions ${option}`);
  writeFileSync(configFile, text.replace(line, `${option} = ${value}`));
}

/** The growth chart's history: six earlier days, growing evenly up to today's real measurement. */
function writeEarlierSamples(): { backupsBytes: number; walBytes: number; volumeId: string } {
  const catalog = Catalog.open(path.join(app!.home, 'catalog.db'));
  try {
    const today = latestUsageSamples(catalog).find((sample) => sample.server === 'sandbox');
    assert.ok(today, 'the backup recorded today\'s usage sample');
    assert.ok(today.volumeId !== null && today.backupsBytes > 0, JSON.stringify(today));
    const now = Date.now();
    for (let daysAgo = 6; daysAgo >= 1; daysAgo -= 1) {
      const moment = new Date(now - daysAgo * dayMs);
      const share = (7 - daysAgo) / 7;
      saveUsageSample(catalog, {
        ...today,
        day: moment.toISOString().slice(0, 10),
        measuredAt: moment.toISOString(),
        backupsBytes: Math.round(today.backupsBytes * share),
        walBytes: Math.round(today.walBytes * share),
      });
    }
    return { backupsBytes: today.backupsBytes, walBytes: today.walBytes, volumeId: today.volumeId };
  } finally {
    catalog.close();
  }
}

/** Clicks the view's Refresh until `check` holds in the page (the scheduler starts the archiver shortly after serve does). */
async function refreshUntil(page: Page, check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (await page.evaluate(check)) return;
    assert.ok(Date.now() < deadline, `gave up waiting: ${what}`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForTimeout(500);
  }
}

test('the disk banner (warning, then critical) on every view, the Disk view, and the Servers overview', { timeout: 300_000 }, async () => {
  const { page, home, configFile, shot } = app!;

  // A real backup of the sandbox; its end records today's usage sample.
  const backup = await runBarkeep(['-c', configFile, 'backup', 'sandbox']);
  assert.equal(backup.code, 0, `backup failed:\n${backup.stdout}\n${backup.stderr}`);
  const today = writeEarlierSamples();

  // Thresholds the real volume crosses: it is far from full, so the warning level goes above its free share.
  const space = statfsSync(home);
  const freePercent = (space.bavail / space.blocks) * 100;
  assert.ok(freePercent < 99.8, `the test needs a volume less than 99.8% free (this one: ${freePercent.toFixed(2)}%)`);
  setGlobalOption('disk_warning_free_percent', '99.9');
  setGlobalOption('disk_critical_free_percent', '0');
  assert.match(readFileSync(path.join(home, 'conf.d', 'sandbox.conf'), 'utf8'), /^retention_policy = REDUNDANCY 2$/m, 'the sandbox keeps two backups');

  // 1. Warning: an amber banner on the Servers view, naming the volume, its free space and the level.
  await app!.startServe();
  await app!.open();
  const banner = page.getByTestId('disk-banner');
  await banner.waitFor({ timeout: 30_000 });
  assert.equal(await banner.getAttribute('data-state'), 'warning');
  const warningText = await banner.innerText();
  assert.match(warningText, /Disk space low on \/\S*: [\d.]+ \w?i?B free \([\d.]+%\), below the warning level of 99\.9%\./);
  assert.match(warningText, /Servers on it: sandbox\./);
  assert.match(warningText, /barkeep retention all/, 'says what to do');

  // The Servers overview: health, last backup, WAL and archiver, a small disk gauge, the last drill.
  await page.getByTestId('server-row-sandbox').waitFor();
  assert.match(await page.getByTestId('server-last-backup-sandbox').innerText(), /(just now|\d+ min ago)\s+1 backup/);
  assert.equal(await page.getByTestId('server-disk-sandbox').getAttribute('data-state'), 'warning', 'the small gauge is judged by the same levels');
  assert.match(await page.getByTestId('server-disk-sandbox').innerText(), /[\d.]+% free · [\d.]+ \w?i?B here/);
  assert.equal(await page.getByTestId('server-drill-sandbox').getAttribute('data-drill'), 'none');
  assert.equal(await page.getByTestId('server-drill-sandbox').innerText(), 'never');
  // The scheduler in serve starts the streaming archiver: the row says so once it holds its lock.
  await refreshUntil(page, () => document.querySelector('[data-testid="server-archiver-sandbox"]')?.getAttribute('data-streaming') === 'running',
    'the streaming archiver runs');
  assert.match(await page.getByTestId('server-archiver-sandbox').innerText(), /^streaming$/);
  // A segment switched and archived arrives in the row as the WAL arrival.
  const switched = await runBarkeep(['-c', configFile, 'switch-wal', 'sandbox', '--force', '--archive', '--archive-timeout', '60']);
  assert.equal(switched.code, 0, `switch-wal failed:\n${switched.stdout}\n${switched.stderr}`);
  await refreshUntil(page, () => /last segment (just now|\d+ min ago)/.test(document.querySelector('[data-testid="server-wal-sandbox"]')?.textContent ?? ''),
    'the archived segment shows in the row');
  await shot('disk-banner-warning-servers');

  // 2. The Disk view, reached from the banner by keyboard: the first Tab of the page is the banner's link.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'disk-banner-link');
  await page.keyboard.press('Enter');
  await page.getByTestId('view-disk').waitFor();
  assert.match(page.url(), /#\/disk$/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'navigating moves focus to the view heading');

  const volume = page.getByTestId(`volume-${today.volumeId}`);
  await volume.waitFor();
  assert.equal(await volume.getAttribute('data-state'), 'warning');
  assert.equal(await page.getByTestId(`volume-state-${today.volumeId}`).innerText(), 'WARNING');
  // The gauge: used and free, Barkeep's part, both levels marked.
  const gauge = page.getByTestId(`volume-gauge-${today.volumeId}`);
  assert.match((await gauge.getAttribute('aria-label'))!, /used of .*Barkeep's backups and WAL: .*free \([\d.]+%\)/);
  await page.getByTestId(`volume-gauge-${today.volumeId}-warning-mark`).waitFor({ state: 'attached' });
  await page.getByTestId(`volume-gauge-${today.volumeId}-critical-mark`).waitFor({ state: 'attached' });
  // The history grows evenly to today: a growing forecast and its sentence.
  const forecast = page.getByTestId(`volume-forecast-${today.volumeId}`);
  assert.equal(await forecast.getAttribute('data-forecast'), 'growing');
  assert.match(await forecast.innerText(), /^Growing \+[\d.]+ \w?i?B\/day: full in (~\d+ (days?|years)|less than a day); below the critical level in /);
  // The growth chart: six earlier days and today, the levels, and the forecast line.
  const chart = page.getByTestId(`growth-chart-${today.volumeId}`);
  await page.getByTestId('growth-forecast').waitFor({ state: 'attached', timeout: 30_000 });
  assert.equal(await chart.getAttribute('data-history-days'), '6');
  assert.equal(await chart.getByTestId('growth-point').count(), 7);
  for (const level of ['full', 'critical', 'warning']) assert.equal(await chart.getByTestId(`growth-level-${level}`).count(), 1, level);
  // Per server: backups and WAL as stacked bars, the retention need marked and said.
  const backupsWidth = await page.getByTestId('usage-backups-sandbox').evaluate((element) => element.getBoundingClientRect().width);
  assert.ok(backupsWidth > 0, 'the backups part of the bar is drawn');
  await page.getByTestId('usage-need-sandbox').waitFor();
  assert.match(await page.getByTestId('usage-retention-sandbox').innerText(), /^retention: ~[\d.]+ \w?i?B for REDUNDANCY 2: 2 backups and ~?\d+ days? of WAL$/);
  await shot('disk-view-warning');

  // "Measure now" from the keyboard walks the stores; the view stays whole.
  await page.getByTestId('disk-measure').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="disk-measure"]:not([disabled])').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('disk-measure').innerText(), 'Measure now');
  assert.match(await page.getByTestId('server-usage-sandbox').innerText(), /backups [\d.]+ \w?i?B/);

  // 3. Critical: a critical level above the volume's free share; serve reads the configuration at start.
  await app!.stopServe();
  setGlobalOption('disk_critical_free_percent', '99.8');
  await app!.startServe();
  await app!.open();
  await page.getByTestId('nav-jobs').click();
  await page.waitForFunction(() => location.hash === '#/jobs');
  await banner.waitFor({ timeout: 30_000 });
  assert.equal(await banner.getAttribute('data-state'), 'critical');
  assert.match(await banner.innerText(), /Disk critical on \/\S*: .*below the critical level of 99\.8%\./);
  assert.match(await banner.innerText(), /Backups refuse to start until space is freed/);
  assert.equal(await banner.getAttribute('role'), 'alert');
  await shot('disk-banner-critical-jobs');
  for (const view of ['backups', 'restore', 'servers']) {
    await page.getByTestId(`nav-${view}`).click();
    await page.waitForFunction((name) => location.hash === `#/${name}`, view);
    assert.equal(await banner.getAttribute('data-state'), 'critical', `the banner is on the ${view} view`);
  }
  assert.equal(await page.getByTestId('server-disk-sandbox').getAttribute('data-state'), 'critical');

  await page.getByTestId('disk-banner-link').click();
  await page.getByTestId('view-disk').waitFor();
  await page.locator(`[data-testid="volume-${today.volumeId}"][data-state="critical"]`).waitFor();
  assert.equal(await page.getByTestId(`volume-state-${today.volumeId}`).innerText(), 'CRITICAL');
  await page.getByTestId('growth-forecast').waitFor({ state: 'attached', timeout: 30_000 });
  await shot('disk-view-critical');

  assert.deepEqual(app!.browser.errors, [], 'no console errors');
});
