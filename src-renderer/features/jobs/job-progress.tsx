/**
 * A job's progress bar: a native <progress> holding bytesDone of bytesTotal
 * when the total is known, indeterminate while running without one, and full
 * or empty once finished. No inline styles, so the strict CSP holds.
 */
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { describeProgress } from './job-format';

export function JobProgress({ job }: { job: JobSnapshot }) {
  const label = `${job.title}: ${job.phase || job.state}`;
  const known = job.bytesTotal !== null && job.bytesTotal > 0;
  const bar = (() => {
    if (job.state === 'succeeded') return <progress max={1} value={1} aria-label={label} />;
    if (isTerminal(job.state)) {
      return known ? <progress max={job.bytesTotal ?? 1} value={job.bytesDone} aria-label={label} /> : null;
    }
    // A queued job has no progress yet; a running one without a total is indeterminate.
    if (known) return <progress max={job.bytesTotal ?? 1} value={job.bytesDone} aria-label={label} />;
    return <progress aria-label={label} />;
  })();
  const text = describeProgress(job);
  return (
    <div className={`job-progress job-progress-${job.state}`}>
      {bar}
      {text !== '' && <span className="job-progress-text">{text}</span>}
    </div>
  );
}
