/**
 * The composer's restore points worked out by hand on a window of one hour:
 * the list newest first, the axis stretched to reach one made before the
 * first backup, where each mark sits and which ones the draft's name chooses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import type { WalCoverageView } from '../../../shared/domain/wal-coverage';
import { markRestorePoints, newestFirst, restorePointKey, restorePointTimes } from './restore-point-marks';
import { layoutTimeWindow, type TimeWindow } from './time-window';

const at = (clock: string): number => Date.parse(`2026-11-24T${clock}Z`);

const point = (name: string, clock: string, endLsn: string, timeline = 1): RestorePoint => ({
  name, time: `2026-11-24T${clock}.250000Z`, timeline, startLsn: endLsn, endLsn, segment: '000000010000000000000003',
} as RestorePoint);

// As the engine lists them: oldest first. Two share a name, on different timelines.
const points = [point('nightly', '01:15:00', '0/3000060'), point('before-x', '01:30:00', '0/3000100'), point('nightly', '01:45:00', '0/5000028', 2)];

// An axis from 01:00 to 02:00 (3 600 000 ms wide).
const hour: TimeWindow = { start: at('01:00:00'), end: at('02:00:00'), stretches: [], backups: [], earliest: null, latest: null };

test('the list shows the newest first; a restore point is known by its timeline and end', () => {
  assert.deepEqual(newestFirst(points).map((entry) => `${entry.name}@${entry.endLsn}`), ['nightly@0/5000028', 'before-x@0/3000100', 'nightly@0/3000060']);
  assert.deepEqual(points.map(restorePointKey), ['1/0/3000060', '1/0/3000100', '2/0/5000028']);
  assert.deepEqual(points.map((entry) => entry.name), ['nightly', 'before-x', 'nightly'], 'the engine\'s list is left as it was');
});

test('marks sit at their time on the axis; the draft\'s name chooses every namesake, and none without a name target', () => {
  // 01:15:00.25 is 900 250 ms in: 25.00694… %; 01:30:00.25 is 1 800 250 ms in; 01:45:00.25 is 2 700 250 ms in.
  const marks = markRestorePoints(hour, points, 'nightly');
  assert.deepEqual(marks.map((mark) => [mark.key, mark.at, mark.x, mark.chosen]), [
    ['1/0/3000060', at('01:15:00') + 250, (900_250 / 3_600_000) * 100, true],
    ['1/0/3000100', at('01:30:00') + 250, (1_800_250 / 3_600_000) * 100, false],
    ['2/0/5000028', at('01:45:00') + 250, (2_700_250 / 3_600_000) * 100, true],
  ]);
  assert.deepEqual(markRestorePoints(hour, points, null).map((mark) => mark.chosen), [false, false, false]);
  assert.deepEqual(markRestorePoints(hour, points, 'before-').map((mark) => mark.chosen), [false, false, false], 'a prefix is not the name');
});

test('the axis reaches a restore point made before the first backup it draws', () => {
  // One backup 01:00–01:05, the last segment arrived at 02:00; a restore point at 00:00 (older WAL, backup since deleted).
  const coverage = {
    server: 'pg', segmentSize: 16 * 1024 * 1024, at: '2026-11-24T02:01:00Z',
    timelines: [{
      timeline: 1, parent: null,
      archive: { firstSegment: 's2', lastSegment: 's5', first: 2, last: 5, segments: 4, storedBytes: 1, lastArrivalAt: '2026-11-24T02:00:00Z' },
      gaps: [], recoverable: [{ from: 3, to: 5, fromName: 's3', toName: 's5' }],
      backups: [{ backupId: '20261124T010000', name: null, status: 'DONE', beginSegment: 2, endSegment: 3, beginTime: '2026-11-24T01:00:00Z', endTime: '2026-11-24T01:05:00Z' }],
    }],
  } as unknown as WalCoverageView;
  const early = [point('early', '00:00:00', '0/2000028')];
  assert.deepEqual(restorePointTimes(early), [at('00:00:00') + 250]);
  // Without it the axis runs 01:00 → 02:00, padded by 4 % of 1 h (144 s); with it from 00:00:00.25 → 02:00, padded by 4 % of 7 199 750 ms (287 990 ms).
  assert.equal(layoutTimeWindow(coverage)!.start, at('00:57:36'));
  const window = layoutTimeWindow(coverage, restorePointTimes(early))!;
  assert.equal(window.start, at('00:00:00') + 250 - 287_990);
  assert.equal(window.end, at('02:00:00') + 287_990);
  assert.ok(markRestorePoints(window, early, null)[0]!.x > 0, 'the mark is inside the axis');
});
