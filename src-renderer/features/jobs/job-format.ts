/**
 * How job numbers read: byte sizes in binary units ("1.5 GiB"), durations
 * ("2 min 05 s"), clock times, and the progress line under a job's bar.
 */
import type { JobSnapshot } from '../../../shared/domain/job';

const byteUnits = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${byteUnits[unit]}`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "1.2 GiB of 3.4 GiB (35 %)" when the total is known, "1.2 GiB so far" when not, '' before any byte moved. */
export function describeProgress(job: Pick<JobSnapshot, 'bytesDone' | 'bytesTotal'>): string {
  if (job.bytesTotal !== null && job.bytesTotal > 0) {
    const percent = Math.min(100, Math.floor((job.bytesDone / job.bytesTotal) * 100));
    return `${formatBytes(job.bytesDone)} of ${formatBytes(job.bytesTotal)} (${percent} %)`;
  }
  return job.bytesDone > 0 ? `${formatBytes(job.bytesDone)} so far` : '';
}

/** Local wall-clock time of an ISO timestamp, 24-hour; the raw text if it does not parse. */
export function formatClock(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toLocaleTimeString(undefined, { hour12: false });
}
