/**
 * One job in the Jobs view: title, kind, server, state, phase, progress,
 * timing, the error with its hint, Cancel while unfinished, and a Logs expander.
 * Selects its own snapshot, so a progress event re-renders one row.
 */
import { useId, useState } from 'react';
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { formatClock, formatDuration } from './job-format';
import { JobLogs } from './job-logs';
import { JobProgress } from './job-progress';

export function JobRow({ jobId, now }: { jobId: JobId; now: number }) {
  const job = useBarkeep((state) => state.jobsById[jobId]);
  const cancelling = useBarkeep((state) => state.cancellingJobIds[jobId] === true);
  const cancelJob = useBarkeep((state) => state.cancelJob);
  const [logsOpen, setLogsOpen] = useState(false);
  const logsPanelId = useId();
  if (job === undefined) return null;
  const finished = isTerminal(job.state);

  return (
    <li className={`job-row job-${job.state}`} data-testid={`job-row-${job.id}`} data-job-state={job.state}>
      <div className="job-main">
        <div className="job-title-line">
          <span className="job-title">{job.title}</span>
          <span className="tag">{job.kind}</span>
          {job.server !== null && <span className="mono job-server">{job.server}</span>}
        </div>
        <div className="job-status-line">
          <span className={`badge job-state job-state-${job.state}`} data-testid={`job-state-${job.id}`}>
            <span className="job-state-mark" aria-hidden="true" />
            {job.state}
          </span>
          {job.phase !== '' && <span className="job-phase">{job.phase}</span>}
          <span className="muted job-timing">{describeTiming(job, now)}</span>
          <span className="mono muted job-id">{job.id}</span>
        </div>
        <JobProgress job={job} />
        {job.error !== null && (
          <div className="job-error" data-testid={`job-error-${job.id}`}>
            <p>
              {job.error.message} <code className="error-code">{job.error.code}</code>
            </p>
            {job.error.hint !== undefined && <p className="hint">{job.error.hint}</p>}
          </div>
        )}
      </div>
      <div className="job-actions">
        {!finished && (
          <button
            type="button"
            className="button button-small button-danger"
            onClick={() => void cancelJob(job.id)}
            disabled={cancelling}
            data-testid={`job-cancel-${job.id}`}
          >
            {cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        <button
          type="button"
          className="button button-small"
          aria-expanded={logsOpen}
          aria-controls={logsPanelId}
          onClick={() => setLogsOpen((open) => !open)}
          data-testid={`job-logs-toggle-${job.id}`}
        >
          {logsOpen ? 'Hide logs' : 'Logs'}
        </button>
      </div>
      {logsOpen && <JobLogs jobId={job.id} panelId={logsPanelId} />}
    </li>
  );
}

function describeTiming(job: JobSnapshot, now: number): string {
  if (job.startedAt === null) return `queued at ${formatClock(job.createdAt)}`;
  const started = Date.parse(job.startedAt);
  const ended = job.finishedAt === null ? now : Date.parse(job.finishedAt);
  const took = Number.isNaN(started) || Number.isNaN(ended) ? '' : ` · ${formatDuration(ended - started)}`;
  return `started ${formatClock(job.startedAt)}${took}`;
}
