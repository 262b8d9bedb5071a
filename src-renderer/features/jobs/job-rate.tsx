/**
 * A job's pace beside its progress: while it runs, bytes per second over the
 * last seconds and the time left of the announced total (or how long nothing
 * moved, when there is a total to reach); once it succeeded, its average.
 * Nothing while a phase moves no bytes.
 */
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { useBarkeep } from '../../app/store-context';
import { formatBytes, formatDuration } from './job-format';
import { averageThroughput, estimateRemainingMs, measureThroughput } from './job-throughput';

export function JobRate({ job, now }: { job: JobSnapshot; now: number }) {
  const samples = useBarkeep((state) => state.jobProgressSamples[job.id]);
  if (isTerminal(job.state)) {
    const average = job.state === 'succeeded' ? averageThroughput(job) : null;
    if (average === null) return null;
    return (
      <span className="job-rate muted" data-testid={`job-rate-${job.id}`} data-rate="average">
        averaged {formatBytes(average)}/s
      </span>
    );
  }
  const last = samples?.at(-1);
  // The clock ticks each second; an event may have arrived since the last tick.
  const throughput = samples === undefined || last === undefined ? null : measureThroughput(samples, Math.max(now, last.at));
  if (throughput === null) return null;
  // Without a total the work is open-ended (the streaming archiver): silence there is idleness, not a stall.
  if (throughput.kind === 'stalled' && job.bytesTotal === null) return null;
  if (throughput.kind === 'stalled') {
    return (
      <span className="job-rate job-rate-stalled" data-testid={`job-rate-${job.id}`} data-rate="stalled">
        no progress for {formatDuration(throughput.forMs)}
      </span>
    );
  }
  const remaining = estimateRemainingMs(job, throughput.bytesPerSecond);
  return (
    <span className="job-rate" data-testid={`job-rate-${job.id}`} data-rate="moving" data-bytes-per-second={Math.round(throughput.bytesPerSecond)}>
      <span className="job-rate-speed">{formatBytes(throughput.bytesPerSecond)}/s</span>
      {remaining !== null && (
        <span className="job-rate-eta" data-testid={`job-eta-${job.id}`}>
          {' · '}about {formatDuration(remaining)} left
        </span>
      )}
    </span>
  );
}
