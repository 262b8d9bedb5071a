/**
 * Unit tests for the recoverable spans of a timeline: runs between gaps,
 * backups that open a span, and what a child timeline inherits at its branch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { archivedRuns, findRecoverableSpans, reachesBranchPoint } from './recoverable-ranges';

test('the archived runs are first..last with the gaps cut out', () => {
  // Segments 10..30 with 14..15 and 20 missing: runs 10-13, 16-19, 21-30.
  assert.deepEqual(archivedRuns(10, 30, [{ from: 20, to: 20 }, { from: 14, to: 15 }]), [
    { from: 10, to: 13 }, { from: 16, to: 19 }, { from: 21, to: 30 },
  ]);
  assert.deepEqual(archivedRuns(5, 5, []), [{ from: 5, to: 5 }]);
});

test('a backup makes its run recoverable from its end; the run after a gap is not, without a backup of its own', () => {
  const runs = archivedRuns(10, 30, [{ from: 20, to: 22 }]); // 10-19, 23-30
  // Begins in 11, consistent at 12: 12..19 reachable. 23..30 lies after the gap, nothing starts there.
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 11, end: 12 }], null), [{ from: 12, to: 19 }]);
  // A second backup beginning at 25 and ending at 26 opens 26..30 too.
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 11, end: 12 }, { begin: 25, end: 26 }], null), [
    { from: 12, to: 19 }, { from: 26, to: 30 },
  ]);
});

test('the earliest usable backup of a run sets its start', () => {
  const runs = [{ from: 0, to: 100 }];
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 50, end: 51 }, { begin: 3, end: 7 }], null), [{ from: 7, to: 100 }]);
});

test('a backup whose WAL crosses a gap, or whose begin is not archived, opens nothing', () => {
  const runs = archivedRuns(10, 30, [{ from: 15, to: 15 }]); // 10-14, 16-30
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 14, end: 16 }], null), []);
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 8, end: 12 }], null), []);
  // Its end not archived yet (a backup just taken): nothing either.
  assert.deepEqual(findRecoverableSpans(runs, [{ begin: 29, end: 31 }], null), []);
});

test('a child timeline is recoverable from its branch point when the parent reaches it', () => {
  // Parent recoverable 12..40; the child branched in segment 41 (parent replays up to 40).
  assert.equal(reachesBranchPoint([{ from: 12, to: 40 }], 41), true);
  assert.equal(reachesBranchPoint([{ from: 12, to: 39 }], 41), false);
  assert.equal(reachesBranchPoint([{ from: 42, to: 50 }], 41), false);
  // The child's archive starts at 41: recoverable 41..60, no backup of its own needed.
  assert.deepEqual(findRecoverableSpans([{ from: 41, to: 60 }], [], 41), [{ from: 41, to: 60 }]);
  // A branch point in no run of the child's archive opens nothing.
  assert.deepEqual(findRecoverableSpans([{ from: 45, to: 60 }], [], 41), []);
});
