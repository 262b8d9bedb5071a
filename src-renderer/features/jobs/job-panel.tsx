/**
 * A job followed where the person started it (the server view's "Backup now",
 * the restore composer's Run): title, state, phase, a link to Jobs, Cancel
 * while it runs, the progress bar, and the engine's error if it failed. What a
 * finished job offers next and what it produced are the caller's. Only the
 * title, state and phase form a live region: the progress text changes
 * several times a second and would drown a screen reader.
 */
import type { ReactNode } from 'react';
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { hrefFor } from '../../app/hash-route';
import { JobCancelButton } from './job-cancel-button';
import { JobError } from './job-error';
import { JobProgress } from './job-progress';
import { JobStateBadge } from './job-state-badge';

interface JobPanelProps {
  job: JobSnapshot;
  /** names the panel's parts for tests: `${name}-job`, `${name}-job-phase`, `${name}-cancel`, `${name}-job-error` */
  name: string;
  /** shown instead of Cancel once the job has finished */
  finishedAction: ReactNode;
  /** what kind of run this is, for tests (`data-run-kind`) */
  runKind?: string;
  /** below the progress bar: what the finished job produced */
  children?: ReactNode;
}

export function JobPanel({ job, name, finishedAction, runKind, children }: JobPanelProps) {
  const finished = isTerminal(job.state);
  return (
    <div className={`job-panel job-panel-${job.state}`} data-testid={`${name}-job`} data-job-state={job.state} data-run-kind={runKind}>
      <div className="job-panel-line">
        <span className="job-panel-status" role="status">
          <strong>{job.title}</strong>
          <JobStateBadge state={job.state} />
          <span className="job-panel-phase" data-testid={`${name}-job-phase`}>{job.phase}</span>
        </span>
        <span className="job-panel-links">
          <a href={hrefFor('jobs')}>Open in Jobs</a>
          {finished ? finishedAction : <JobCancelButton jobId={job.id} testId={`${name}-cancel`} />}
        </span>
      </div>
      <JobProgress job={job} />
      {job.error !== null && <JobError error={job.error} testId={`${name}-job-error`} />}
      {children}
    </div>
  );
}
