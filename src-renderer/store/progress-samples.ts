/**
 * The progress samples of running jobs: bytes done, and when this window saw
 * the event that said so. Kept over a sliding window for the Jobs view's
 * throughput (features/jobs/job-throughput.ts). Pure.
 */

/** bytesDone of a job at a moment (ms since the epoch, as the window saw the event), in a phase */
export interface ProgressSample {
  at: number;
  bytes: number;
  phase: string;
}

/** Throughput is measured over the last 10 s of samples. */
export const throughputWindowMs = 10_000;

/**
 * Adds a sample and drops those older than the window, keeping the newest one
 * before it, so the window always spans its full length once it has. A new
 * phase starts a new window: bytes of one phase say nothing of the next one's pace.
 */
export function appendProgressSample(samples: readonly ProgressSample[], sample: ProgressSample, windowMs = throughputWindowMs): ProgressSample[] {
  // Bytes never go back within a job; a smaller count is an older snapshot arriving late.
  const last = samples.at(-1);
  if (last !== undefined && last.phase !== sample.phase) return [sample];
  if (last !== undefined && (sample.bytes < last.bytes || sample.at < last.at)) return [...samples];
  const all = [...samples, sample];
  const edge = sample.at - windowMs;
  const firstInside = all.findIndex((candidate) => candidate.at >= edge);
  return all.slice(Math.max(0, firstInside - 1));
}
