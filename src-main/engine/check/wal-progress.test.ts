import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeContinuousArchiving, previousSegmentName, segmentContaining, segmentPosition } from './wal-progress';

const mib16 = 16 * 1024 * 1024;
const now = new Date('2026-05-01T12:00:00Z');

test('segment positions count 256 segments per log with 16 MiB segments, 4096 with 1 MiB', () => {
  assert.deepEqual(segmentPosition('000000010000000100000002', mib16), { timeline: 1, index: 258 });
  assert.deepEqual(segmentPosition('000000030000000100000002', 1024 * 1024), { timeline: 3, index: 4098 });
});

test('the previous segment crosses a log boundary and does not exist before segment 1', () => {
  assert.equal(previousSegmentName('000000010000000100000000', mib16), '0000000100000000000000FF');
  assert.equal(previousSegmentName('00000002000000000000000A', mib16), '000000020000000000000009');
  assert.equal(previousSegmentName('000000010000000000000001', mib16), null);
});

test('archiving is up to date when the last completed segment arrived, even long ago on an idle server', () => {
  const verdict = judgeContinuousArchiving({
    currentSegment: '000000010000000000000005', segmentSize: mib16, newestArrived: '000000010000000000000004',
    lastArrivalAt: new Date('2026-04-01T00:00:00Z'), now, graceMs: 60_000,
  });
  assert.deepEqual(verdict, { state: 'up-to-date', lastCompleted: '000000010000000000000004', newest: '000000010000000000000004' });
});

test('behind within the grace after the latest arrival is catching up; past it, stalled', () => {
  const input = {
    currentSegment: '000000010000000000000008', segmentSize: mib16, newestArrived: '000000010000000000000005', now, graceMs: 60_000,
  };
  assert.equal(judgeContinuousArchiving({ ...input, lastArrivalAt: new Date(now.getTime() - 30_000) }).state, 'catching-up');
  assert.deepEqual(judgeContinuousArchiving({ ...input, lastArrivalAt: new Date(now.getTime() - 61_000) }),
    { state: 'stalled', lastCompleted: '000000010000000000000007', newest: '000000010000000000000005', behindBy: 2 });
});

test('nothing arrived, or nothing completed yet on a fresh cluster', () => {
  const base = { segmentSize: mib16, newestArrived: null, lastArrivalAt: null, now, graceMs: 60_000 };
  assert.deepEqual(judgeContinuousArchiving({ ...base, currentSegment: '000000010000000000000003' }),
    { state: 'nothing-arrived', lastCompleted: '000000010000000000000002' });
  assert.deepEqual(judgeContinuousArchiving({ ...base, currentSegment: '000000010000000000000001' }), { state: 'nothing-completed' });
});

test('a promotion keeps positions: the new timeline continues where the old one stopped', () => {
  const verdict = judgeContinuousArchiving({
    currentSegment: '000000020000000000000006', segmentSize: mib16, newestArrived: '000000010000000000000005',
    lastArrivalAt: null, now, graceMs: 0,
  });
  assert.equal(verdict.state, 'up-to-date');
});

test('the segment containing an LSN: a boundary LSN starts the next segment, as the insert position does', () => {
  assert.equal(segmentContaining('0/2000000', 1, mib16), '000000010000000000000002');
  assert.equal(segmentContaining('0/1FFFFFF', 1, mib16), '000000010000000000000001');
  assert.equal(segmentContaining('16/B374D848', 3, mib16), '0000000300000016000000B3');
});
