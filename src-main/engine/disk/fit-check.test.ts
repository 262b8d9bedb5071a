import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeBackupFit } from './fit-check';

// Sizes in whole bytes chosen so that × 1.2 is exact: 1000 → 1200.

test('a volume already below disk_critical_free_percent refuses any backup, even the first', () => {
  // 50 of 1000 free = 5% < 10%.
  assert.deepEqual(judgeBackupFit({ volume: { totalBytes: 1000, freeBytes: 50 }, criticalFreePercent: 10, newest: null, reuse: 'link' }),
    { verdict: 'below-critical', freePercent: 5 });
});

test('the first backup has nothing to estimate from: only the level is checked', () => {
  assert.deepEqual(judgeBackupFit({ volume: { totalBytes: 1000, freeBytes: 200 }, criticalFreePercent: 10, newest: null, reuse: 'off' }),
    { verdict: 'fits', needBytes: null });
});

test('without reuse, the last backup\'s whole size plus 20% must fit', () => {
  // 1000 × 1.2 = 1200 > 1100 free.
  assert.deepEqual(judgeBackupFit({
    volume: { totalBytes: 10_000, freeBytes: 1100 }, criticalFreePercent: 0, newest: { sizeBytes: 1000, ownBytes: 1000 }, reuse: 'off',
  }), { verdict: 'too-large', needBytes: 1200 });
  // With 5000 free: 1200 fits and leaves 3800 of 10000 = 38% ≥ 10%.
  assert.deepEqual(judgeBackupFit({
    volume: { totalBytes: 10_000, freeBytes: 5000 }, criticalFreePercent: 10, newest: { sizeBytes: 1000, ownBytes: 200 }, reuse: 'copy',
  }), { verdict: 'fits', needBytes: 1200 });
});

test('with reuse link only the own bytes (plus 20%) are needed', () => {
  // own 500 × 1.2 = 600 ≤ 1100 free; 500 left of 10000 = 5% ≥ 5%.
  assert.deepEqual(judgeBackupFit({
    volume: { totalBytes: 10_000, freeBytes: 1100 }, criticalFreePercent: 5, newest: { sizeBytes: 8000, ownBytes: 500 }, reuse: 'link',
  }), { verdict: 'fits', needBytes: 600 });
});

test('a backup that fits but would leave less than disk_critical_free_percent is refused', () => {
  // 1500 free of 10000 = 15%; 1000 × 1.2 = 1200 leaves 300 = 3% < 10%.
  assert.deepEqual(judgeBackupFit({
    volume: { totalBytes: 10_000, freeBytes: 1500 }, criticalFreePercent: 10, newest: { sizeBytes: 1000, ownBytes: 1000 }, reuse: 'off',
  }), { verdict: 'would-cross-critical', needBytes: 1200, freePercentAfter: 3 });
});
