import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  computeGrowthRate, describeForecast, estimateNextBackupBytes, estimateRetentionNeed, forecastVolume, formatDays, medianBackupIntervalDays,
  type UsagePoint,
} from './forecast';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const start = Date.parse('2026-03-01T00:00:00.000Z');
const day = (n: number): string => new Date(start + n * 86_400_000).toISOString();
const at = (n: number): Date => new Date(start + n * 86_400_000);
const series = (values: readonly number[], unit = 1): UsagePoint[] => values.map((value, index) => ({ measuredAt: day(index), bytes: value * unit }));

test('10 days growing 1 GiB/day on a 100 GiB volume with 30 GiB free: full in 30 days, critical (10%) in 20', () => {
  const history = series([50, 51, 52, 53, 54, 55, 56, 57, 58, 59], GiB);
  const growth = computeGrowthRate(history, at(9));
  assert.deepEqual(growth, { kind: 'rate', bytesPerDay: GiB, samples: 10, spanDays: 9 });
  const forecast = forecastVolume({ totalBytes: 100 * GiB, freeBytes: 30 * GiB, growth: [growth], criticalFreePercent: 10 });
  // 30 GiB ÷ 1 GiB/day = 30; (30 − 10% of 100) GiB ÷ 1 GiB/day = 20.
  assert.deepEqual(forecast, { state: 'growing', bytesPerDay: GiB, fullInDays: 30, criticalInDays: 20 });
  assert.equal(describeForecast(forecast), 'full in ~30 days at 1.0 GiB/day');
});

test('the least-squares slope of an uneven history, worked out by hand', () => {
  // x = 0..3 (mean 1.5), y = 10, 14, 12, 16 MiB (mean 13):
  // Σ(x−x̄)(y−ȳ) = (−1.5)(−3) + (−0.5)(1) + (0.5)(−1) + (1.5)(3) = 8; Σ(x−x̄)² = 2.25 + 0.25 + 0.25 + 2.25 = 5; slope 8/5 = 1.6 MiB/day.
  const growth = computeGrowthRate(series([10, 14, 12, 16], MiB), at(3));
  assert.equal(growth.kind, 'rate');
  assert.ok(growth.kind === 'rate' && Math.abs(growth.bytesPerDay - 1.6 * MiB) < 1e-6, JSON.stringify(growth));
});

test('a flat history is not growing; a shrinking one is not growing either, with its negative rate', () => {
  const flat = computeGrowthRate(series([40, 40, 40, 40, 40], GiB), at(4));
  assert.deepEqual(flat, { kind: 'rate', bytesPerDay: 0, samples: 5, spanDays: 4 });
  assert.deepEqual(forecastVolume({ totalBytes: 100 * GiB, freeBytes: 30 * GiB, growth: [flat], criticalFreePercent: 10 }), { state: 'not-growing', bytesPerDay: 0 });
  assert.equal(describeForecast({ state: 'not-growing', bytesPerDay: 0 }), 'not growing');

  // 60, 58, 56 GiB: −2 GiB/day.
  const shrinking = computeGrowthRate(series([60, 58, 56], GiB), at(2));
  assert.deepEqual(forecastVolume({ totalBytes: 100 * GiB, freeBytes: 30 * GiB, growth: [shrinking], criticalFreePercent: 10 }),
    { state: 'not-growing', bytesPerDay: -2 * GiB });
});

test('one sample, two samples, or three within a day are not enough data', () => {
  assert.deepEqual(computeGrowthRate(series([10], GiB), at(0)), { kind: 'not-enough-data', samples: 1 });
  assert.deepEqual(computeGrowthRate(series([10, 11], GiB), at(1)), { kind: 'not-enough-data', samples: 2 });
  const sameDay = [0, 6, 12].map((hour) => ({ measuredAt: new Date(start + hour * 3_600_000).toISOString(), bytes: hour * GiB }));
  assert.deepEqual(computeGrowthRate(sameDay, at(1)), { kind: 'not-enough-data', samples: 3 });
  assert.deepEqual(forecastVolume({ totalBytes: 100 * GiB, freeBytes: 30 * GiB, growth: [{ kind: 'not-enough-data', samples: 1 }], criticalFreePercent: 10 }),
    { state: 'not-enough-data' });
  assert.equal(describeForecast({ state: 'not-enough-data' }), 'not enough history for a forecast');
});

test('samples older than the 30-day window, or after now, are left out', () => {
  // Day 0 (40 days before now) at 500 GiB would pull the slope down; days 40..42 grow 1 GiB/day.
  const history: UsagePoint[] = [
    { measuredAt: day(0), bytes: 500 * GiB },
    { measuredAt: day(40), bytes: 10 * GiB },
    { measuredAt: day(41), bytes: 11 * GiB },
    { measuredAt: day(42), bytes: 12 * GiB },
    { measuredAt: day(43), bytes: 900 * GiB },
  ];
  assert.deepEqual(computeGrowthRate(history, at(42)), { kind: 'rate', bytesPerDay: GiB, samples: 3, spanDays: 2 });
});

test('a volume grows by the sum of its servers\' parts; a part without enough history is left out', () => {
  // 1 GiB/day + 0.5 GiB/day = 1.5 GiB/day; 30 GiB free → 20 days; (30 − 5% of 200 = 20) GiB → 13.33 days to critical.
  const forecast = forecastVolume({
    totalBytes: 200 * GiB,
    freeBytes: 30 * GiB,
    growth: [{ kind: 'rate', bytesPerDay: GiB, samples: 5, spanDays: 4 }, { kind: 'rate', bytesPerDay: 0.5 * GiB, samples: 5, spanDays: 4 },
      { kind: 'not-enough-data', samples: 1 }],
    criticalFreePercent: 5,
  });
  assert.equal(forecast.state, 'growing');
  assert.ok(forecast.state === 'growing');
  assert.equal(forecast.bytesPerDay, 1.5 * GiB);
  assert.equal(forecast.fullInDays, 20);
  assert.ok(Math.abs(forecast.criticalInDays - 20 / 1.5) < 1e-9);
  assert.equal(describeForecast(forecast), 'full in ~20 days at 1.5 GiB/day');
});

test('days are written the way a person reads them', () => {
  assert.equal(formatDays(0.4), 'less than a day');
  assert.equal(formatDays(1.2), '~1 day');
  assert.equal(formatDays(11.6), '~12 days');
  assert.equal(formatDays(1100), '~3 years');
});

test('the next backup adds its own bytes with reuse link, its whole size otherwise', () => {
  const newest = { sizeBytes: 300 * MiB, ownBytes: 20 * MiB };
  assert.equal(estimateNextBackupBytes(newest, 'link'), 20 * MiB);
  assert.equal(estimateNextBackupBytes(newest, 'copy'), 300 * MiB);
  assert.equal(estimateNextBackupBytes(newest, 'off'), 300 * MiB);
  assert.equal(estimateNextBackupBytes({ sizeBytes: 300 * MiB, ownBytes: null }, 'link'), 300 * MiB, 'own bytes not measured: the size');
});

test('the interval between backups is the median gap of their begin times', () => {
  // Gaps 1, 2, 1 days → sorted 1, 1, 2 → median 1.
  assert.equal(medianBackupIntervalDays([day(0), day(1), day(3), day(4)]), 1);
  // Gaps 1, 2 → (1 + 2) / 2 = 1.5; input order does not matter.
  assert.equal(medianBackupIntervalDays([day(3), day(0), day(1)]), 1.5);
  assert.equal(medianBackupIntervalDays([day(0)]), null);
  assert.equal(medianBackupIntervalDays([]), null);
});

test('space a RECOVERY WINDOW will need: B + ⌊D ÷ I⌋ × A + (D + I) × W', () => {
  // 7 days, daily backups: 8 backups kept, 8 days of WAL: 10 + 7 × 1 + 8 × 2 = 33 GiB.
  assert.deepEqual(estimateRetentionNeed({
    policy: { kind: 'recovery-window', amount: 7, unit: 'days' }, newestBackupBytes: 10 * GiB, nextBackupBytes: GiB, backupIntervalDays: 1, walBytesPerDay: 2 * GiB,
  }), { bytes: 33 * GiB, backupsKept: 8, walDays: 8 });
  // 2 weeks = 14 days, interval unknown (one backup) → 1 day: 15 kept, 15 days of WAL: 1024 + 14 × 100 + 15 × 10 = 2574 MiB.
  assert.deepEqual(estimateRetentionNeed({
    policy: { kind: 'recovery-window', amount: 2, unit: 'weeks' }, newestBackupBytes: GiB, nextBackupBytes: 100 * MiB, backupIntervalDays: null, walBytesPerDay: 10 * MiB,
  }), { bytes: 2574 * MiB, backupsKept: 15, walDays: 15 });
  // 1 month = 31 days, weekly backups: ⌊31 ÷ 7⌋ + 1 = 5 kept, 38 days of WAL: 100 + 4 × 10 + 38 × 1 = 178 MiB.
  assert.deepEqual(estimateRetentionNeed({
    policy: { kind: 'recovery-window', amount: 1, unit: 'months' }, newestBackupBytes: 100 * MiB, nextBackupBytes: 10 * MiB, backupIntervalDays: 7, walBytesPerDay: MiB,
  }), { bytes: 178 * MiB, backupsKept: 5, walDays: 38 });
});

test('space REDUNDANCY N will need: B + (N − 1) × A + N × I × W', () => {
  // 3 copies every 2 days: 10 + 2 × 1 + 3 × 2 × 0.5 = 15 GiB.
  assert.deepEqual(estimateRetentionNeed({
    policy: { kind: 'redundancy', copies: 3 }, newestBackupBytes: 10 * GiB, nextBackupBytes: GiB, backupIntervalDays: 2, walBytesPerDay: 0.5 * GiB,
  }), { bytes: 15 * GiB, backupsKept: 3, walDays: 6 });
  // One copy: the newest backup and the WAL until the next one (1 day when the interval is unknown).
  assert.deepEqual(estimateRetentionNeed({
    policy: { kind: 'redundancy', copies: 1 }, newestBackupBytes: 10 * GiB, nextBackupBytes: GiB, backupIntervalDays: null, walBytesPerDay: 3 * GiB,
  }), { bytes: 13 * GiB, backupsKept: 1, walDays: 1 });
});
