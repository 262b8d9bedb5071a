/**
 * The recoverable window in time, worked out by hand from a coverage with two
 * backups on timeline 1 and a gap between them: where the stretches start and
 * end, which end is known, where times fall, the slider's steps and the axis.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WalCoverageView } from '../../../shared/domain/wal-coverage';
import { axisTicks, layoutTimeWindow, placeInWindow, stepTime, timeAtX, xOfTime } from './time-window';

const at = (clock: string): number => Date.parse(`2026-11-24T${clock}Z`);

// Backup A 01:00–01:05 (segments 2–3), backup B 03:00–03:05 (8–9); segments 2–5 and 8–12 archived (6–7 missing);
// the last segment arrived at 05:00. Recoverable: from A's end to segment 5, and from B's end to the last segment.
const coverage = {
  server: 'pg', segmentSize: 16 * 1024 * 1024, at: '2026-11-24T05:01:00Z',
  timelines: [{
    timeline: 1, parent: null,
    archive: { firstSegment: 's2', lastSegment: 's12', first: 2, last: 12, segments: 9, storedBytes: 1, lastArrivalAt: '2026-11-24T05:00:00Z' },
    gaps: [{ from: 6, to: 7, fromName: 's6', toName: 's7', segments: 2 }],
    recoverable: [{ from: 3, to: 5, fromName: 's3', toName: 's5' }, { from: 9, to: 12, fromName: 's9', toName: 's12' }],
    backups: [
      { backupId: '20261124T010000', name: null, status: 'DONE', beginSegment: 2, endSegment: 3, beginTime: '2026-11-24T01:00:00Z', endTime: '2026-11-24T01:05:00Z' },
      { backupId: '20261124T030000', name: null, status: 'DONE', beginSegment: 8, endSegment: 9, beginTime: '2026-11-24T03:00:00Z', endTime: '2026-11-24T03:05:00Z' },
    ],
  }],
} as unknown as WalCoverageView;

test('stretches start where a backup ended; the one before the gap ends (uncertainly) where the next starts', () => {
  const window = layoutTimeWindow(coverage)!;
  assert.deepEqual(window.stretches, [
    { timeline: 1, from: at('01:05:00'), to: at('03:05:00'), endKnown: false },
    { timeline: 1, from: at('03:05:00'), to: at('05:00:00'), endKnown: true },
  ]);
  assert.equal(window.earliest, at('01:05:00'));
  assert.equal(window.latest, at('05:00:00'));
  // The axis runs from the first backup's begin to the last arrival, 4 % of those 4 h (9.6 min) added on each side.
  assert.equal(window.start, at('00:50:24'));
  assert.equal(window.end, at('05:09:36'));
  assert.deepEqual(window.backups.map((backup) => [backup.backupId, backup.begin, backup.end]), [
    ['20261124T010000', at('01:00:00'), at('01:05:00')], ['20261124T030000', at('03:00:00'), at('03:05:00')],
  ]);
});

test('positions and places: percent of the axis both ways, before, inside, after', () => {
  const window = layoutTimeWindow(coverage)!;
  // 4 h 19 min 12 s = 15552 s wide; 01:05 is 14 min 36 s = 876 s in.
  assert.equal(xOfTime(window, at('01:05:00')), (876 / 15552) * 100);
  // Half way: 00:50:24 + 7776 s.
  assert.equal(timeAtX(window, 50), at('03:00:00'));
  assert.equal(timeAtX(window, 150), window.end, 'clamped to the axis');
  assert.equal(placeInWindow(window, at('01:00:00')), 'before');
  assert.equal(placeInWindow(window, at('02:00:00')), 'inside');
  assert.equal(placeInWindow(window, at('05:00:01')), 'after');
});

test('slider keys: 10 s, 1 s with Shift, a tenth of the window with Page keys, the ends with Home and End', () => {
  const window = layoutTimeWindow(coverage)!;
  const noon = at('02:00:00');
  assert.equal(stepTime(window, noon, 'ArrowRight', false), noon + 10_000);
  assert.equal(stepTime(window, noon, 'ArrowLeft', true), noon - 1000);
  // The window is 3 h 55 min = 14100 s; a tenth is 1410 s.
  assert.equal(stepTime(window, noon, 'PageUp', false), noon + 1_410_000);
  assert.equal(stepTime(window, at('01:05:05'), 'PageDown', false), at('01:05:00'), 'clamped to the earliest point');
  assert.equal(stepTime(window, noon, 'Home', false), at('01:05:00'));
  assert.equal(stepTime(window, noon, 'End', false), at('05:00:00'));
  assert.equal(stepTime(window, noon, 'Enter', false), null);
});

test('axis ticks: round instants, about five, inside the axis', () => {
  const window = layoutTimeWindow(coverage)!;
  // 4.32 h wide: the first step that cuts it into at most 5 is an hour, and 01:00 … 05:00 fall inside.
  assert.deepEqual(axisTicks(window), { step: 3_600_000, ticks: [at('01:00:00'), at('02:00:00'), at('03:00:00'), at('04:00:00'), at('05:00:00')] });
  // A window of 64 s (the least room around a few seconds): 30 s steps.
  const short = { ...window, start: at('01:00:10'), end: at('01:01:14') };
  assert.deepEqual(axisTicks(short), { step: 30_000, ticks: [at('01:00:30'), at('01:01:00')] });
  assert.equal(layoutTimeWindow({ ...coverage, timelines: [] }), null);
});

test('the ends of the window are whole seconds inside it, as the date-time field can hold them', () => {
  const [timeline] = coverage.timelines;
  const fractional = {
    ...coverage,
    timelines: [{
      ...timeline!, archive: { ...timeline!.archive!, lastArrivalAt: '2026-11-24T05:00:00.900Z' },
      backups: timeline!.backups.map((backup, index) => (index === 0 ? { ...backup, endTime: '2026-11-24T01:05:00.404Z' } : backup)),
    }],
  } as WalCoverageView;
  const window = layoutTimeWindow(fractional)!;
  assert.equal(window.stretches[0]!.from, at('01:05:00.404'));
  assert.equal(window.earliest, at('01:05:01'));
  assert.equal(window.latest, at('05:00:00'));
});
