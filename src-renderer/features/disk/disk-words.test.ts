/**
 * Unit tests for the disk sentences: days, rates and percentages, the
 * forecast, a volume's state against its threshold, the banner's alert and
 * advice, and the retention need.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeStatus } from '../../../shared/domain/disk';
import type { ServerName } from '../../../shared/domain/names';
import {
  adviseOnAlert, describeAlert, describeForecast, describeGrowth, describeRetentionNeed, describeVolumeState, formatDays, formatPercent, formatRate,
} from './disk-words';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const thresholds = { warningFreePercent: 20, criticalFreePercent: 10 };

test('days, rates and percentages', () => {
  assert.deepEqual([0.4, 1.2, 1.6, 12.4, 729, 731, 1100].map(formatDays),
    ['less than a day', '~1 day', '~2 days', '~12 days', '~729 days', '~2 years', '~3 years']);
  assert.equal(formatRate(1.5 * GiB), '+1.5 GiB/day');
  assert.equal(formatRate(-20 * MiB), '-20.0 MiB/day');
  assert.deepEqual([31.24, 20, 99.9, 4.83, 0.04].map(formatPercent), ['31.2%', '20%', '99.9%', '4.8%', '0%']);
});

test('the forecast in words', () => {
  assert.equal(describeForecast({ state: 'growing', bytesPerDay: 2 * GiB, fullInDays: 39.6, criticalInDays: 12.2 }),
    'Growing +2.0 GiB/day: full in ~40 days; below the critical level in ~12 days.');
  assert.equal(describeForecast({ state: 'growing', bytesPerDay: GiB, fullInDays: 3, criticalInDays: 0 }),
    'Growing +1.0 GiB/day: full in ~3 days; it is already below the critical level.');
  assert.equal(describeForecast({ state: 'not-growing', bytesPerDay: -3 * MiB }), 'Not growing (-3.0 MiB/day): no date when it fills up.');
  assert.match(describeForecast({ state: 'not-enough-data' }), /^Not enough history for a forecast yet/);
  assert.equal(describeGrowth({ kind: 'rate', bytesPerDay: 512, samples: 4, spanDays: 3 }), '+512 B/day');
  assert.equal(describeGrowth({ kind: 'not-enough-data', samples: 1 }), 'not enough history (1 day)');
});

test('a volume against its thresholds, and the banner\'s alert and advice', () => {
  const volume = (state: VolumeStatus['state'], freeBytes: number): VolumeStatus => ({
    id: '2049', mountPoint: '/srv/backup', totalBytes: 200 * GiB, freeBytes, usedBytes: 200 * GiB - freeBytes,
    freePercent: (freeBytes / (200 * GiB)) * 100, state, servers: ['pg' as ServerName],
  });
  // 9 GiB of 200 GiB is 4.5%; 30 GiB is 15%; 100 GiB is 50%. Sizes under 100 of a unit keep one decimal.
  assert.equal(describeAlert(volume('critical', 9 * GiB), thresholds), 'Disk critical on /srv/backup: 9.0 GiB free (4.5%), below the critical level of 10%.');
  assert.equal(describeAlert(volume('warning', 30 * GiB), thresholds), 'Disk space low on /srv/backup: 30.0 GiB free (15%), below the warning level of 20%.');
  assert.equal(describeVolumeState(volume('critical', 9 * GiB), thresholds), '4.5% free: below the critical level (10%)');
  assert.equal(describeVolumeState(volume('ok', 100 * GiB), thresholds), '50% free: above the warning level (20%)');
  assert.match(adviseOnAlert('critical'), /^Backups refuse to start until space is freed: .*barkeep retention all/);
  assert.match(adviseOnAlert('warning'), /before it reaches the critical level/);
});

test('the retention need', () => {
  assert.equal(describeRetentionNeed({ retentionPolicy: 'REDUNDANCY 2', retentionNeed: { bytes: 10 * GiB, backupsKept: 2, walDays: 2 } }),
    '~10.0 GiB for REDUNDANCY 2: 2 backups and ~2 days of WAL');
  assert.equal(describeRetentionNeed({ retentionPolicy: 'RECOVERY WINDOW OF 7 DAYS', retentionNeed: null }),
    'RECOVERY WINDOW OF 7 DAYS: no complete backup yet to estimate from');
  assert.match(describeRetentionNeed({ retentionPolicy: null, retentionNeed: null }), /^no retention_policy/);
});
