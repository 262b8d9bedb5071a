import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ServerName } from '../../../shared/domain/names';
import { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { latestUsageSamples, readUsageHistory, sampleDiskUsage, saveUsageSample, type DiskUsageSample } from './usage-history';
import { forecastForVolume } from './volume-report';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-usage-history-'));
after(() => rmSync(root, { recursive: true, force: true }));

let catalogs = 0;
function openCatalog(): Catalog {
  catalogs += 1;
  return Catalog.open(path.join(root, `catalog-${catalogs}.db`));
}

const GiB = 1024 ** 3;
const start = Date.parse('2026-03-01T12:00:00.000Z');
const at = (days: number): Date => new Date(start + days * 86_400_000);

function sample(server: string, days: number, overrides: Partial<DiskUsageSample> = {}): DiskUsageSample {
  const moment = at(days);
  return {
    server, day: moment.toISOString().slice(0, 10), measuredAt: moment.toISOString(), backupsBytes: 0, walBytes: 0,
    volumeId: 'v1', walVolumeId: 'v1', volumeTotal: 100 * GiB, volumeFree: 50 * GiB, ...overrides,
  };
}

test('the last sample of a UTC day replaces earlier ones, and an earlier one never replaces a later one', () => {
  const catalog = openCatalog();
  try {
    saveUsageSample(catalog, sample('pg', 0, { backupsBytes: 100 }));
    saveUsageSample(catalog, { ...sample('pg', 0, { backupsBytes: 300 }), measuredAt: '2026-03-01T20:00:00.000Z' });
    saveUsageSample(catalog, { ...sample('pg', 0, { backupsBytes: 200 }), measuredAt: '2026-03-01T15:00:00.000Z' });
    saveUsageSample(catalog, sample('pg', 1, { backupsBytes: 400 }));
    saveUsageSample(catalog, sample('other', 0, { backupsBytes: 7 }));
    const history = readUsageHistory(catalog, 'pg', at(-1));
    assert.deepEqual(history.map((row) => [row.day, row.backupsBytes, row.measuredAt]), [
      ['2026-03-01', 300, '2026-03-01T20:00:00.000Z'],
      ['2026-03-02', 400, '2026-03-02T12:00:00.000Z'],
    ]);
    assert.deepEqual(readUsageHistory(catalog, 'pg', at(0.5)).map((row) => row.day), ['2026-03-02'], 'since: measured at or after');
    assert.deepEqual(latestUsageSamples(catalog).map((row) => [row.server, row.day]), [['other', '2026-03-01'], ['pg', '2026-03-02']]);
  } finally {
    catalog.close();
  }
});

test('sampleDiskUsage counts a file hard-linked into two backups once, measures the WAL, and records the volume', async () => {
  const store = path.join(root, 'store');
  const first = path.join(store, 'base', '20260301T000000', 'data');
  const second = path.join(store, 'base', '20260302T000000', 'data');
  mkdirSync(first, { recursive: true });
  mkdirSync(second, { recursive: true });
  writeFileSync(path.join(first, 'shared'), Buffer.alloc(1000));
  linkSync(path.join(first, 'shared'), path.join(second, 'shared'));
  writeFileSync(path.join(second, 'changed'), Buffer.alloc(500));
  const wals = path.join(store, 'wals', '0000000100000000');
  mkdirSync(wals, { recursive: true });
  writeFileSync(path.join(wals, '000000010000000000000001'), Buffer.alloc(2000));
  const server = {
    name: ServerName.parse('pg'), backupDirectory: store, walsDirectory: path.join(store, 'wals'), streamingWalsDirectory: path.join(store, 'streaming'),
    incomingWalsDirectory: path.join(store, 'incoming'), errorsDirectory: path.join(store, 'errors'),
  } as ServerConfig;

  const catalog = openCatalog();
  try {
    const recorded = await sampleDiskUsage(catalog, server, at(0));
    // 1000 (one inode, two names) + 500; the WAL archive's 2000 apart.
    assert.equal(recorded.backupsBytes, 1500);
    assert.equal(recorded.walBytes, 2000);
    assert.equal(recorded.day, '2026-03-01');
    assert.equal(recorded.volumeId, String(statSync(store).dev));
    assert.equal(recorded.walVolumeId, recorded.volumeId);
    assert.ok(recorded.volumeTotal !== null && recorded.volumeFree !== null && recorded.volumeFree <= recorded.volumeTotal);
    assert.deepEqual(readUsageHistory(catalog, 'pg', at(-1)), [recorded]);
  } finally {
    catalog.close();
  }
});

test('a volume\'s forecast sums the parts of every recently sampled server on it', () => {
  const catalog = openCatalog();
  try {
    for (let days = 0; days <= 4; days += 1) {
      // pg: backups on v1 grow 1 GiB/day, its WAL on v2 grows 0.5 GiB/day.
      saveUsageSample(catalog, sample('pg', days, { backupsBytes: (10 + days) * GiB, walBytes: (2 + 0.5 * days) * GiB, volumeId: 'v1', walVolumeId: 'v2' }));
      // other: both on v1, backups grow 0.25 GiB/day, WAL flat.
      saveUsageSample(catalog, sample('other', days, { backupsBytes: (4 + 0.25 * days) * GiB, walBytes: GiB, volumeId: 'v1', walVolumeId: 'v1' }));
      // gone: on v1 too, growing fast, but its newest sample is 40 days old.
      saveUsageSample(catalog, sample('gone', days - 44, { backupsBytes: days * 100 * GiB, volumeId: 'v1', walVolumeId: 'v1' }));
    }
    const now = at(4);
    // v1: 1 + 0.25 = 1.25 GiB/day; 25 GiB free → 20 days; (25 − 10% of 100) ÷ 1.25 = 12 days to critical.
    assert.deepEqual(forecastForVolume(catalog, { id: 'v1', totalBytes: 100 * GiB, freeBytes: 25 * GiB }, 10, now),
      { state: 'growing', bytesPerDay: 1.25 * GiB, fullInDays: 20, criticalInDays: 12 });
    // v2: 0.5 GiB/day; 10 GiB free → 20 days; (10 − 5) ÷ 0.5 = 10.
    assert.deepEqual(forecastForVolume(catalog, { id: 'v2', totalBytes: 50 * GiB, freeBytes: 10 * GiB }, 10, now),
      { state: 'growing', bytesPerDay: 0.5 * GiB, fullInDays: 20, criticalInDays: 10 });
    assert.deepEqual(forecastForVolume(catalog, { id: 'v3', totalBytes: 50 * GiB, freeBytes: 10 * GiB }, 10, now), { state: 'not-enough-data' });
  } finally {
    catalog.close();
  }
});
