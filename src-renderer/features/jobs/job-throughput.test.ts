/**
 * Unit tests for a job's throughput and time left, with hand-worked numbers:
 * the sliding window of progress samples, a stall, a phase that moves no
 * bytes, the ETA from the announced total, and a finished job's average.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendProgressSample, type ProgressSample } from '../../store/progress-samples';
import { averageThroughput, estimateRemainingMs, measureThroughput } from './job-throughput';

const MiB = 1024 ** 2;
const copying = (at: number, bytes: number): ProgressSample => ({ at, bytes, phase: 'copying' });

/** Feeds samples one by one as the store does. */
function fed(samples: ProgressSample[], windowMs = 10_000): ProgressSample[] {
  return samples.reduce<ProgressSample[]>((kept, sample) => appendProgressSample(kept, sample, windowMs), []);
}

test('the window keeps its samples and the newest one before its edge', () => {
  // Samples every 4 s; at 20 s the edge is 10 s: 12, 16, 20 are inside, 8 is the newest before it, 0 and 4 go.
  const kept = fed([0, 4, 8, 12, 16, 20].map((second) => copying(second * 1000, second * MiB)));
  assert.deepEqual(kept.map((sample) => sample.at / 1000), [8, 12, 16, 20]);
  // A late, older snapshot (fewer bytes) changes nothing; a new phase starts over.
  assert.deepEqual(appendProgressSample(kept, copying(21_000, 3 * MiB)), kept);
  assert.deepEqual(appendProgressSample(kept, { at: 21_000, bytes: 20 * MiB, phase: 'syncing' }), [{ at: 21_000, bytes: 20 * MiB, phase: 'syncing' }]);
});

test('a steady flow: the bytes over the time from the last sample before the window to the newest', () => {
  // One sample a second, 1 MiB more each; at 20 s the window starts at 10 s, the sample of 9 s is 1 s before
  // its first one (no silence), so the rate is (20 - 9) MiB over (20 - 9) s.
  const steady = fed(Array.from({ length: 21 }, (_, second) => copying(second * 1000, second * MiB)));
  assert.deepEqual(measureThroughput(steady, 20_500), { kind: 'rate', bytesPerSecond: MiB });
  // The last second went faster: 20 → 31 MiB. (31 - 9) MiB over 11 s = 2 MiB/s.
  const faster = fed([...Array.from({ length: 20 }, (_, second) => copying(second * 1000, second * MiB)), copying(20_000, 31 * MiB)]);
  assert.deepEqual(measureThroughput(faster, 20_000), { kind: 'rate', bytesPerSecond: 2 * MiB });
});

test('after a silence, a burst counts over the window, not over the silence', () => {
  // 1 MiB by 1 s, then nothing until 61 s brings 17 MiB: at 61 s the window is 51..61 s and the event before it
  // is 60 s older than the one inside, so 16 MiB moved within the window's 10 s: 1.6 MiB/s.
  const burst = fed([copying(0, 0), copying(1000, MiB), copying(61_000, 17 * MiB)]);
  assert.deepEqual(burst.map((sample) => sample.at), [1000, 61_000]);
  assert.deepEqual(measureThroughput(burst, 61_000), { kind: 'rate', bytesPerSecond: 1.6 * MiB });
});

test('one sample, or a phase that moved no bytes, tells nothing; a long silence is a stall', () => {
  assert.equal(measureThroughput([], 1000), null);
  assert.equal(measureThroughput([copying(0, 5 * MiB)], 1000), null);
  assert.equal(measureThroughput(fed([{ at: 0, bytes: 0, phase: 'checkpoint' }, { at: 2000, bytes: 0, phase: 'checkpoint' }]), 30_000), null);
  const kept = fed([copying(0, 0), copying(1000, 4 * MiB)]);
  assert.deepEqual(measureThroughput(kept, 5_999), { kind: 'rate', bytesPerSecond: 4 * MiB });
  // The last event was at 1 s: at 6 s that is 5 s of silence, the stall threshold.
  assert.deepEqual(measureThroughput(kept, 6_000), { kind: 'stalled', forMs: 5_000 });
});

test('time left is what remains of the total at the rate; none without a total or a rate', () => {
  // 2 GiB total, 512 MiB done, 1536 MiB left at 16 MiB/s: 96 s.
  assert.equal(estimateRemainingMs({ bytesDone: 512 * MiB, bytesTotal: 2048 * MiB }, 16 * MiB), 96_000);
  // Past an estimated total (PostgreSQL's estimate can be short): nothing left, not a negative time.
  assert.equal(estimateRemainingMs({ bytesDone: 30 * MiB, bytesTotal: 20 * MiB }, MiB), 0);
  assert.equal(estimateRemainingMs({ bytesDone: 5, bytesTotal: null }, MiB), null);
  assert.equal(estimateRemainingMs({ bytesDone: 5, bytesTotal: 10 }, 0), null);
});

test('a finished job averages its bytes over its running time', () => {
  // 300 MiB in 2 min 30 s: 2 MiB/s.
  assert.equal(averageThroughput({ bytesDone: 300 * MiB, startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:02:30.000Z' }), 2 * MiB);
  assert.equal(averageThroughput({ bytesDone: 0, startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:02:30.000Z' }), null);
  assert.equal(averageThroughput({ bytesDone: 10, startedAt: null, finishedAt: null }), null);
});
