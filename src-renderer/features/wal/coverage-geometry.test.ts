/**
 * Unit tests for the coverage bar's geometry: segment numbers to percent,
 * runs between gaps, a gap never thinner than visible, dense ticks thinned
 * and tick labels that never overlap, the newest kept in both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupId } from '../../../shared/domain/names';
import type { CoverageBackup, TimelineCoverage } from '../../../shared/domain/wal-coverage';
import { layoutTimeline } from './coverage-geometry';

function backup(id: string, beginSegment: number, endSegment: number | null): CoverageBackup {
  return { backupId: id as BackupId, name: null, status: 'DONE', beginSegment, endSegment, beginTime: `${id}-begin`, endTime: `${id}-end` };
}

function timeline(changes: Partial<TimelineCoverage>): TimelineCoverage {
  return {
    timeline: 1, parent: null,
    archive: { firstSegment: 'a', lastSegment: 'b', first: 100, last: 199, segments: 90, storedBytes: 0, lastArrivalAt: null },
    gaps: [], recoverable: [], backups: [], ...changes,
  };
}

const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);

test('segments 100..199 fill the bar a percent each; runs, spans and gaps land where their segments are', () => {
  const geometry = layoutTimeline(timeline({
    gaps: [{ from: 150, to: 159, fromName: 'x', toName: 'y', segments: 10 }],
    recoverable: [{ from: 110, to: 149, fromName: 'n110', toName: 'n149' }],
    backups: [backup('B1', 105, 110)],
  }))!;
  assert.equal(geometry.lo, 100);
  assert.equal(geometry.hi, 199);
  // Runs 100..149 (50 %) and 160..199 (40 %, from 60 %).
  assert.deepEqual(geometry.archived, [{ x: 0, width: 50 }, { x: 60, width: 40 }]);
  assert.equal(geometry.recoverable.length, 1);
  assert.deepEqual({ x: geometry.recoverable[0]!.x, width: geometry.recoverable[0]!.width }, { x: 10, width: 40 });
  assert.equal(geometry.recoverable[0]!.startsAt, 'B1-end', 'the span opened by B1 starts when B1 became consistent');
  assert.deepEqual({ x: geometry.gaps[0]!.x, width: geometry.gaps[0]!.width }, { x: 50, width: 10 });
  // B1 begins in 105 (5 %) and ends in 110, whose right edge is 11 %.
  assert.equal(geometry.ticks[0]!.x, 5);
  assert.equal(geometry.ticks[0]!.endX, 11);
});

test('one missing segment among ten thousand is still drawn, and never past the bar end', () => {
  const geometry = layoutTimeline(timeline({
    archive: { firstSegment: 'a', lastSegment: 'b', first: 0, last: 9999, segments: 9998, storedBytes: 0, lastArrivalAt: null },
    gaps: [{ from: 5000, to: 5000, fromName: 'x', toName: 'x', segments: 1 }, { from: 9999, to: 9999, fromName: 'z', toName: 'z', segments: 1 }],
  }), { minGapWidth: 0.5, minTickDistance: 0, minLabelDistance: 10 })!;
  // 1 of 10,000 segments would be 0.01 %: widened to 0.5 %.
  close(geometry.gaps[0]!.x, 50);
  close(geometry.gaps[0]!.width, 0.5);
  // The last segment's gap is pulled left so that it ends at 100 %.
  close(geometry.gaps[1]!.x, 99.5);
});

test('tick labels keep their distance; the newest always has one', () => {
  // Segments 0..99; backups at 0, 5, 12, 50, 58: with 10 % between labels, 58 and 12 and 0
  // are labelled (newest first: 58, then 50 is 8 away, no; 12 yes; 5 is 7 from 12, no; 0 is 12 away, yes).
  const geometry = layoutTimeline(timeline({
    archive: { firstSegment: 'a', lastSegment: 'b', first: 0, last: 99, segments: 100, storedBytes: 0, lastArrivalAt: null },
    backups: [backup('A', 0, 1), backup('B', 5, 6), backup('C', 12, 13), backup('D', 50, 51), backup('E', 58, 59)],
  }), { minGapWidth: 0.5, minTickDistance: 0, minLabelDistance: 10 })!;
  assert.deepEqual(geometry.ticks.map((tick) => [tick.backup.backupId, tick.labelled]),
    [['A', true], ['B', false], ['C', true], ['D', false], ['E', true]]);
});

test('a timeline with backups but no archived WAL still places them; an empty one draws nothing', () => {
  const geometry = layoutTimeline(timeline({ archive: null, backups: [backup('A', 40, 41), backup('B', 44, null)] }))!;
  assert.equal(geometry.lo, 40);
  assert.equal(geometry.hi, 44);
  assert.deepEqual(geometry.archived, []);
  // Five segments, 20 % each: B (end unknown) is a tick at its begin, 80 %.
  assert.equal(geometry.ticks[1]!.x, 80);
  assert.equal(geometry.ticks[1]!.endX, 80);
  assert.equal(layoutTimeline(timeline({ archive: null })), null);
});

test('ticks closer than the minimum are thinned, newest first; only drawn ticks get labels', () => {
  // Segments 0..199, half a percent each: backups at 0, 100, 188, 189, 190 sit at 0, 50, 94, 94.5 and 95 %.
  // With 1 % between ticks: 95 is drawn, 94.5 is too close, 94 is 1 % from 95 and drawn, 50 and 0 too.
  // With 10 % between labels, among the drawn: 95, then 94 is too close, 50 and 0.
  const geometry = layoutTimeline(timeline({
    archive: { firstSegment: 'a', lastSegment: 'b', first: 0, last: 199, segments: 200, storedBytes: 0, lastArrivalAt: null },
    backups: [backup('A', 0, 0), backup('B', 100, 100), backup('C', 188, 188), backup('D', 189, 189), backup('E', 190, 190)],
  }), { minGapWidth: 0.5, minTickDistance: 1, minLabelDistance: 10 })!;
  assert.deepEqual(geometry.ticks.map((tick) => [tick.backup.backupId, tick.drawn, tick.labelled]),
    [['A', true, true], ['B', true, true], ['C', true, false], ['D', false, false], ['E', true, true]]);
});
