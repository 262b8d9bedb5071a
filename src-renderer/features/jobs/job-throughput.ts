/**
 * Throughput and time left of a running job, from the progress samples the
 * store recorded as its events arrived (bytes done, and when): the rate over
 * a sliding window, "stalled" when no progress came for a while, and the ETA
 * from what remains of the announced total. Pure; the caller passes `now`
 * (store/progress-samples.ts keeps the samples).
 */
import type { JobSnapshot } from '../../../shared/domain/job';
import { throughputWindowMs, type ProgressSample } from '../../store/progress-samples';

export type Throughput =
  | { kind: 'rate'; bytesPerSecond: number }
  | { kind: 'stalled'; forMs: number };

/** Progress events come several times a second while bytes move; 5 s without one is a stall. */
export const stallAfterMs = 5_000;
/** A gap between two events longer than this is a time when no byte moved. */
export const quietGapMs = 1_000;

/**
 * Bytes per second over the window ending at the newest sample; 'stalled' when
 * that is long ago; null with too little to tell, or while the phase moves no
 * bytes (a checkpoint, waiting for WAL).
 */
export function measureThroughput(samples: readonly ProgressSample[], now: number, windowMs = throughputWindowMs, stallMs = stallAfterMs): Throughput | null {
  const last = samples.at(-1);
  if (last === undefined || samples[0]!.bytes === last.bytes) return null;
  const silence = now - last.at;
  if (silence >= stallMs) return { kind: 'stalled', forMs: silence };
  const edge = last.at - windowMs;
  const firstInside = samples.find((sample) => sample.at >= edge)!;
  const before = samples.filter((sample) => sample.at < edge).at(-1);
  const start = before === undefined ? firstInside
    // Events come several times a second while bytes move: a longer silence before the window means
    // nothing moved then, so the window starts at its edge with the bytes the last event before it told.
    : firstInside.at - before.at > quietGapMs ? { at: edge, bytes: before.bytes }
    : before;
  if (last.at === start.at) return null;
  return { kind: 'rate', bytesPerSecond: ((last.bytes - start.bytes) * 1000) / (last.at - start.at) };
}

/** Milliseconds until the announced total is reached at this rate; null without a total or a moving rate. */
export function estimateRemainingMs(job: Pick<JobSnapshot, 'bytesDone' | 'bytesTotal'>, bytesPerSecond: number): number | null {
  if (job.bytesTotal === null || job.bytesTotal <= 0 || !(bytesPerSecond > 0)) return null;
  return (Math.max(0, job.bytesTotal - job.bytesDone) / bytesPerSecond) * 1000;
}

/** A finished job's bytes over its running time; null when it moved none or its times are unknown. */
export function averageThroughput(job: Pick<JobSnapshot, 'bytesDone' | 'startedAt' | 'finishedAt'>): number | null {
  if (job.bytesDone <= 0 || job.startedAt === null || job.finishedAt === null) return null;
  const ms = Date.parse(job.finishedAt) - Date.parse(job.startedAt);
  return Number.isFinite(ms) && ms > 0 ? (job.bytesDone * 1000) / ms : null;
}
