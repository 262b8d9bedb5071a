/**
 * Scenario "the UI on a large catalog": a generated catalog of 5,000 backups and
 * 500,000 WAL segments behind the real `barkeep serve`, and Debian's chromium
 * timing, from navigation to the server view, until the backups table shows its
 * first row (first paint), and until End has scrolled it to the oldest backup.
 * The reference is the same page on a server without backups: what booting the
 * app costs. Target: first paint under 1 s (issue 7), judged here, never in a test.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { BackupInfo } from '../../shared/domain/backup';
import { Catalog, type WalSegmentRow } from '../../src-main/engine/catalog/catalog';
import { openTestBrowser } from '../../test/e2e/support/browser';
import { startServeProcess } from '../../test/support/serve-process';
import { makeTempDir, removeTempDir } from '../../test/support/temp-dir';
import { findExecutable } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';

export interface UiLargeCatalogOptions {
  backups: number;
  walSegments: number;
}

const segmentBytes = 16 * 1024 * 1024;
const rendererIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/renderer/index.html');
const firstRow = '[data-testid^="backup-row-"]';

export function uiLargeCatalogScenario(opts: UiLargeCatalogOptions): Scenario {
  return {
    name: 'ui-large-catalog',
    title: `the server view with ${opts.backups.toLocaleString('en-US')} backups and ${opts.walSegments.toLocaleString('en-US')} WAL segments`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: UiLargeCatalogOptions): Promise<ScenarioFixture> {
  const home = await makeTempDir('bench-ui');
  ctx.onTeardown(() => removeTempDir(home));
  await mkdir(path.join(home, 'conf.d'));
  const configFile = path.join(home, 'barkeep.conf');
  await writeFile(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  // Nothing listens on port 1: the view must not wait for PostgreSQL to draw what the catalog knows.
  for (const name of ['big', 'empty']) {
    await writeFile(path.join(home, 'conf.d', `${name}.conf`), `[${name}]\nconninfo = host=127.0.0.1 port=1 user=postgres\nbackup_method = postgres\nretention_policy = REDUNDANCY 30\n`);
  }
  ctx.log(`generating a catalog of ${opts.backups} backups and ${opts.walSegments} WAL segments`);
  generateCatalog(path.join(home, 'catalog.db'), 'big', opts);

  const serve = await startServeProcess(configFile);
  ctx.onTeardown(() => serve.stop());
  const browser = await openTestBrowser();
  ctx.onTeardown(() => browser.close());
  const { page } = browser;
  const skipReason = findExecutable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') === null ? 'chromium not found'
    : existsSync(rendererIndex) ? null : 'the UI is not built: run `npm run build` first';
  const samples = new Map<string, number[]>();
  const record = (name: string, seconds: number): void => {
    samples.set(name, [...(samples.get(name) ?? []), seconds]);
  };

  const open = async (server: string, waitFor: string): Promise<number> => {
    await page.goto('about:blank');
    const started = process.hrtime.bigint();
    await page.goto(`${serve.url}#/servers/${server}`);
    await page.locator(waitFor).first().waitFor({ timeout: 60_000 });
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const contenders: Contender[] = [
    {
      name: 'server view, no backups (app boot)',
      role: 'reference',
      skipReason,
      run: async () => record('empty', await open('empty', '[data-testid="backups-empty"]')),
    },
    {
      name: `first row of ${opts.backups.toLocaleString('en-US')} backups`,
      role: 'barkeep',
      skipReason,
      run: async () => record('first', await open('big', firstRow)),
    },
    {
      name: 'first row, then End: the oldest backup in view',
      role: 'barkeep',
      skipReason,
      run: async () => {
        await open('big', firstRow);
        record('end', await scrollToOldest(page));
      },
    },
  ];
  return {
    bytes: 0,
    contenders,
    reset: async () => undefined,
    describe: () => describeRun(samples, browser.errors, opts),
  };
}

/** Focuses the first row, presses End, and times until the oldest backup's row is drawn. */
async function scrollToOldest(page: Page): Promise<number> {
  const started = process.hrtime.bigint();
  await page.locator(firstRow).first().focus();
  await page.keyboard.press('End');
  await page.getByTestId('backup-row-20100101T000000').waitFor({ timeout: 30_000 });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Backups every 6 hours back from 2026, newest last; 100 segments of WAL per backup on timeline 1. */
function generateCatalog(file: string, server: string, opts: UiLargeCatalogOptions): void {
  const catalog = Catalog.open(file);
  try {
    const segmentsPerBackup = Math.max(1, Math.floor(opts.walSegments / opts.backups));
    const start = Date.UTC(2010, 0, 1);
    catalog.db.transaction(() => {
      for (let index = 0; index < opts.backups; index += 1) {
        const begin = new Date(start + index * 6 * 3600_000);
        const beginWal = segmentName(index * segmentsPerBackup + 2);
        catalog.upsertBackup(generatedBackup(server, begin, beginWal, segmentName(index * segmentsPerBackup + 2)));
      }
    })();
    const rows: WalSegmentRow[] = [];
    for (let index = 1; index <= opts.walSegments; index += 1) {
      rows.push({ server, name: segmentName(index), timeline: 1, sizeBytes: segmentBytes, compression: null, archivedAt: new Date(start + index * 60_000).toISOString() });
      if (rows.length === 50_000) catalog.upsertWalSegments(rows.splice(0));
    }
    catalog.upsertWalSegments(rows);
  } finally {
    catalog.close();
  }
}

function generatedBackup(server: string, begin: Date, beginWal: string, endWal: string): BackupInfo {
  const id = begin.toISOString().replace(/[-:]/g, '').slice(0, 15);
  return {
    formatVersion: 1, server: server as BackupInfo['server'], backupId: id as BackupInfo['backupId'], name: null, status: 'DONE', method: 'postgres',
    beginTime: begin.toISOString(), endTime: new Date(begin.getTime() + 600_000).toISOString(),
    beginLsn: null, endLsn: null, beginWal, endWal, timeline: 1, systemId: '7000000000000000000', pgVersion: '15.18', dataChecksums: true,
    sizeBytes: 1_600_000_000, ownBytes: 1_600_000_000, walBytes: null, keep: null, error: null, walSegmentSize: segmentBytes,
  };
}

/** Timeline 1, segment number n with 16 MiB segments (256 per log file). */
function segmentName(n: number): string {
  const hex = (value: number): string => value.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(1)}${hex(Math.floor(n / 256))}${hex(n % 256)}`;
}

function describeRun(samples: Map<string, number[]>, errors: readonly string[], opts: UiLargeCatalogOptions): string[] {
  const median = (values: number[] = []): number | null => {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const first = median(samples.get('first'));
  const boot = median(samples.get('empty'));
  const notes = [
    `the real barkeep serve and Debian's chromium; timed from navigation until the row is in the DOM and visible (app boot included)`,
    `catalog: ${opts.backups} backups, ${opts.walSegments} WAL segments on one timeline; only the visible rows are ever rendered`,
  ];
  if (first !== null) {
    notes.push(`first row after ${first.toFixed(2)} s (target < 1 s: ${first < 1 ? 'met' : 'NOT met'})`
      + `${boot === null ? '' : `; ${(first - boot).toFixed(2)} s more than booting the app on an empty server`}`);
  }
  if (errors.length > 0) notes.push(`browser errors: ${errors.slice(0, 3).join(' | ')}`);
  return notes;
}
