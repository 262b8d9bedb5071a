/**
 * Unit tests for byte sizes, durations and progress lines of jobs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeProgress, formatBytes, formatDuration } from './job-format';

test('byte sizes use binary units with one decimal below a hundred', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(16 * 1024 ** 2), '16.0 MiB');
  assert.equal(formatBytes(250 * 1024 ** 3), '250 GiB');
});

test('durations read as seconds, minutes or hours', () => {
  assert.equal(formatDuration(4_400), '4 s');
  assert.equal(formatDuration(125_000), '2 min 05 s');
  assert.equal(formatDuration(3_900_000), '1 h 05 min');
});

test('progress names the total when it is known, only what moved when not', () => {
  assert.equal(describeProgress({ bytesDone: 512 * 1024 ** 2, bytesTotal: 2 * 1024 ** 3 }), '512 MiB of 2.0 GiB (25 %)');
  assert.equal(describeProgress({ bytesDone: 3 * 1024 ** 2, bytesTotal: null }), '3.0 MiB so far');
  assert.equal(describeProgress({ bytesDone: 0, bytesTotal: null }), '');
});
