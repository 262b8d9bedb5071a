/**
 * One job in the Jobs view: title, kind, server, state, phase, progress with
 * throughput and time left, timing, the error with its hint, Cancel while
 * unfinished, and a Logs expander.
 * Selects its own snapshot, so a progress event re-renders one row. A job that
 * finishes moves from Running to Recent, which mounts a new row: whether its
 * logs are open is the view's, and the focus inside it is carried over.
 */
import { useId, useLayoutEffect, useRef, type RefObject } from 'react';
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { JobCancelButton } from './job-cancel-button';
import { JobError } from './job-error';
import { formatClock, formatDuration } from './job-format';
import { JobLogs } from './job-logs';
import { JobProgress } from './job-progress';
import { JobRate } from './job-rate';
import { JobStateBadge } from './job-state-badge';

interface JobRowProps {
  jobId: JobId;
  now: number;
  logsOpen: boolean;
  onToggleLogs: (jobId: JobId) => void;
  /** job id -> data-testid of the element focused in its row when the row went (it moved between sections) */
  focusMemory: RefObject<Map<string, string>>;
}

export function JobRow({ jobId, now, logsOpen, onToggleLogs, focusMemory }: JobRowProps) {
  const job = useBarkeep((state) => state.jobsById[jobId]);
  const logsPanelId = useId();
  const row = useRef<HTMLLIElement>(null);
  useCarriedFocus(jobId, row, focusMemory);
  if (job === undefined) return null;
  const finished = isTerminal(job.state);

  return (
    <li ref={row} className={`job-row job-${job.state}`} data-testid={`job-row-${job.id}`} data-job-state={job.state}>
      <div className="job-main">
        <div className="job-title-line">
          <span className="job-title">{job.title}</span>
          <span className="tag">{job.kind}</span>
          {job.server !== null && <span className="mono job-server">{job.server}</span>}
        </div>
        <div className="job-status-line">
          <JobStateBadge state={job.state} testId={`job-state-${job.id}`} />
          {job.phase !== '' && <span className="job-phase" data-testid={`job-phase-${job.id}`}>{job.phase}</span>}
          <span className="muted job-timing">{describeTiming(job, now)}</span>
          <span className="mono muted job-id">{job.id}</span>
        </div>
        <div className="job-progress-line">
          <JobProgress job={job} />
          <JobRate job={job} now={now} />
        </div>
        {job.error !== null && <JobError error={job.error} testId={`job-error-${job.id}`} />}
      </div>
      <div className="job-actions">
        {!finished && <JobCancelButton jobId={job.id} testId={`job-cancel-${job.id}`} />}
        <button
          type="button"
          className="button button-small"
          aria-expanded={logsOpen}
          aria-controls={logsPanelId}
          onClick={() => onToggleLogs(job.id)}
          data-testid={`job-logs-toggle-${job.id}`}
        >
          {logsOpen ? 'Hide logs' : 'Logs'}
        </button>
      </div>
      {logsOpen && <JobLogs jobId={job.id} panelId={logsPanelId} title={job.title} />}
    </li>
  );
}

/** Remembers what had the focus in the row when it unmounts, and gives it back to the same element when the job's row mounts again. */
function useCarriedFocus(jobId: JobId, row: RefObject<HTMLLIElement | null>, memory: RefObject<Map<string, string>>): void {
  useLayoutEffect(() => {
    const carried = memory.current.get(jobId);
    if (carried !== undefined) {
      memory.current.delete(jobId);
      row.current?.querySelector<HTMLElement>(`[data-testid="${carried}"]`)?.focus();
    }
    const element = row.current;
    return () => {
      // Layout cleanups run while the row is still in the document.
      const focused = document.activeElement;
      const testId = focused instanceof HTMLElement && element?.contains(focused) ? focused.dataset.testid : undefined;
      if (testId !== undefined) memory.current.set(jobId, testId);
    };
  }, [jobId, row, memory]);
}

function describeTiming(job: JobSnapshot, now: number): string {
  if (job.startedAt === null) return `queued at ${formatClock(job.createdAt)}`;
  const started = Date.parse(job.startedAt);
  const ended = job.finishedAt === null ? now : Date.parse(job.finishedAt);
  const took = Number.isNaN(started) || Number.isNaN(ended) ? '' : ` · ${formatDuration(ended - started)}`;
  return `started ${formatClock(job.startedAt)}${took}`;
}
