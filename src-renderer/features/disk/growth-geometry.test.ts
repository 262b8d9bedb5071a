/**
 * Unit tests for the growth chart's geometry: the daily history of one volume
 * from every server's samples, and the positions of the lines, worked out by
 * hand on the chart's 760 × 260 canvas (plot 64..620 across, 18..226 down).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DiskUsageSample } from '../../../shared/domain/disk';
import type { ServerName } from '../../../shared/domain/names';
import { layoutGrowthChart, spreadLabels, volumeHistory } from './growth-geometry';

const GiB = 1024 ** 3;
const dayMs = 86_400_000;
const now = Date.parse('2026-11-24T12:00:00.000Z');

function sample(server: string, measuredAt: string, overrides: Partial<DiskUsageSample>): DiskUsageSample {
  return {
    server: server as ServerName, day: measuredAt.slice(0, 10), measuredAt, backupsBytes: 0, walBytes: 0,
    volumeId: 'v1', walVolumeId: 'v1', volumeTotal: 100 * GiB, volumeFree: 60 * GiB, ...overrides,
  };
}

test('volumeHistory: per day, the parts of every server on the volume, the latest used figure, and not today', () => {
  const samples = [
    sample('a', '2026-11-22T10:00:00.000Z', { backupsBytes: 100, walBytes: 10 }),
    // b keeps its WAL elsewhere: only its backups count here; its later measurement gives the used figure.
    sample('b', '2026-11-22T11:00:00.000Z', { backupsBytes: 1000, walBytes: 5000, walVolumeId: 'v2', volumeFree: 58 * GiB }),
    // c's backups are elsewhere: its WAL counts, its volume figures (of v2) do not.
    sample('c', '2026-11-22T23:00:00.000Z', { backupsBytes: 7000, walBytes: 20, volumeId: 'v2', volumeFree: 1 * GiB }),
    sample('a', '2026-11-23T10:00:00.000Z', { backupsBytes: 200, walBytes: 20, volumeTotal: null, volumeFree: null }),
    sample('d', '2026-11-23T10:00:00.000Z', { volumeId: 'v3', walVolumeId: 'v3' }),
    sample('a', '2026-11-24T09:00:00.000Z', { backupsBytes: 300, walBytes: 30 }),
  ];
  assert.deepEqual(volumeHistory(samples, 'v1', now), [
    // 100 + 10 + 1000 + 20; used 100 - 58 GiB (b measured after a; c's figures are v2's)
    { at: Date.parse('2026-11-22T23:00:00.000Z'), storeBytes: 1130, usedBytes: 42 * GiB },
    { at: Date.parse('2026-11-23T10:00:00.000Z'), storeBytes: 220, usedBytes: null },
  ]);
});

test('a growing volume: history, today, and the forecast meeting the top edge on the day it fills', () => {
  // History 3 days back, full in 57 days: the axis spans 60 days, 556 px across.
  const layout = layoutGrowthChart({
    now,
    totalBytes: 100 * GiB,
    usedBytes: 43 * GiB,
    storeBytes: 4 * GiB,
    forecast: { state: 'growing', bytesPerDay: GiB, fullInDays: 57, criticalInDays: 47 },
    thresholds: { warningFreePercent: 20, criticalFreePercent: 10 },
    history: [1, 2, 3].map((day) => ({ at: now - (4 - day) * dayMs, storeBytes: day * GiB, usedBytes: (39 + day) * GiB })),
  });
  assert.equal(layout.xStart, now - 3 * dayMs);
  assert.equal(layout.xEnd, now + 57 * dayMs);
  const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
  // Today: x = 64 + 556 × 3/60 = 91.8; 43% used: y = 18 + 208 × 0.57 = 136.56.
  close(layout.today.x, 91.8, 'today x');
  close(layout.today.y, 136.56, 'today y');
  // The first day: x = 64, 40% used: y = 18 + 208 × 0.6 = 142.8; its store 1 GiB: y = 18 + 208 × 0.99 = 223.92.
  close(layout.used[0]!.x, 64, 'first x');
  close(layout.used[0]!.y, 142.8, 'first used y');
  close(layout.store[0]!.y, 223.92, 'first store y');
  assert.equal(layout.used.length, 4);
  assert.equal(layout.storeArea.startsWith('M 64 226 L 64 223.92'), true, layout.storeArea);
  assert.equal(layout.forecast?.reachesFull, true);
  close(layout.forecast!.to.x, 620, 'full at the right edge');
  close(layout.forecast!.to.y, 18, 'full at the top');
  // Levels: full at the top; critical (10% free) at 90% used: 18 + 20.8; warning (20% free) at 80%: 18 + 41.6.
  assert.deepEqual(layout.levels.map((level) => level.kind), ['full', 'critical', 'warning']);
  close(layout.levels[1]!.y, 38.8, 'critical');
  close(layout.levels[2]!.y, 59.6, 'warning');
  // Labels 4 px below their lines, far enough apart already: 22, 42.8, 63.6.
  assert.deepEqual(layout.levels.map((level) => Math.round(level.labelY * 10) / 10), [22, 42.8, 63.6]);
});

test('level labels close together are spread 13 px apart, in order, whatever the input order', () => {
  assert.deepEqual(spreadLabels([22, 22, 230]), [22, 35, 230]);
  // 22 stays; 229.8 is far below it and stays; 230 is too close under 229.8: 229.8 + 13.
  assert.deepEqual(spreadLabels([230, 229.8, 22]).map((value) => Math.round(value * 10) / 10), [242.8, 229.8, 22]);
  assert.deepEqual(spreadLabels([50, 40, 45]), [66, 40, 53]);
});

test('far from full: the line reaches as far ahead as the history goes back; not growing: no line, a little room after today', () => {
  const growingSlowly = layoutGrowthChart({
    now, totalBytes: 100 * GiB, usedBytes: 40 * GiB, storeBytes: 0,
    forecast: { state: 'growing', bytesPerDay: 0.1 * GiB, fullInDays: 600, criticalInDays: 500 },
    thresholds: { warningFreePercent: 20, criticalFreePercent: 10 },
    history: [{ at: now - 10 * dayMs, storeBytes: 0, usedBytes: 39 * GiB }],
  });
  // 10 days of history, so 10 days ahead at 0.1 GiB a day: 41 GiB used, y = 18 + 208 × 0.59 = 140.72, at the right edge.
  assert.equal(growingSlowly.xEnd, now + 10 * dayMs);
  assert.equal(growingSlowly.forecast?.reachesFull, false);
  assert.ok(Math.abs(growingSlowly.forecast!.to.y - 140.72) < 1e-9);
  assert.equal(growingSlowly.forecast!.to.x, 620);

  const flat = layoutGrowthChart({
    now, totalBytes: 100 * GiB, usedBytes: 40 * GiB, storeBytes: 0,
    forecast: { state: 'not-growing', bytesPerDay: -5 },
    thresholds: { warningFreePercent: 20, criticalFreePercent: 10 },
    history: [{ at: now - 10 * dayMs, storeBytes: 0, usedBytes: 39 * GiB }],
  });
  assert.equal(flat.forecast, null);
  // 15% of the 10 days of history after today: 1.5 days.
  assert.equal(flat.xEnd, now + 1.5 * dayMs);

  const fresh = layoutGrowthChart({
    now, totalBytes: 100 * GiB, usedBytes: 40 * GiB, storeBytes: 0, forecast: { state: 'not-enough-data' },
    thresholds: { warningFreePercent: 20, criticalFreePercent: 10 }, history: [],
  });
  assert.equal(fresh.xStart, now - 7 * dayMs);
  assert.deepEqual(fresh.used.map((point) => point.at), [now]);
});
