/**
 * The Jobs view: unfinished jobs first, then recent ones, newest first, from
 * jobs:list kept current by job events. Lists hold ids only (useShallow); each
 * row selects its own job. Which logs are open is kept here, so a log stays
 * open (and focused) when its job finishes and moves to Recent.
 */
import { useCallback, useRef, useState, type RefObject } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { useNow } from '../../app/use-now';
import { orderJobIds } from '../../store/job-merge';
import { JobRow } from './job-row';

export function JobsView() {
  const active = useBarkeep(useShallow((state) => orderJobIds(state.jobsById).active));
  const recent = useBarkeep(useShallow((state) => orderJobIds(state.jobsById).recent));
  const loaded = useBarkeep((state) => state.jobsLoaded);
  const refreshJobs = useBarkeep((state) => state.refreshJobs);
  // Ticks every second so running jobs' elapsed time moves.
  const now = useNow(1000);
  const [openLogs, setOpenLogs] = useState<ReadonlySet<string>>(() => new Set());
  const toggleLogs = useCallback((id: JobId) => setOpenLogs((open) => {
    const next = new Set(open);
    if (!next.delete(id)) next.add(id);
    return next;
  }), []);
  const focusMemory = useRef(new Map<string, string>());
  const rows = { now, openLogs, toggleLogs, focusMemory };

  return (
    <section className="view" data-testid="view-jobs">
      <div className="view-head">
        <h1 tabIndex={-1}>Jobs</h1>
        <button type="button" className="button button-small view-action" onClick={() => void refreshJobs()}>
          Refresh
        </button>
      </div>
      {loaded && active.length === 0 && recent.length === 0 && (
        <div className="panel empty" data-testid="empty-jobs">
          <p>No jobs yet. Backups, restores, checks and sandbox creation show here while they run, with their logs.</p>
        </div>
      )}
      {!loaded && active.length === 0 && recent.length === 0 && <p className="loading">Loading jobs…</p>}
      <JobSection title="Running" ids={active} testId="jobs-active" rows={rows} />
      <JobSection title="Recent" ids={recent} testId="jobs-recent" rows={rows} />
    </section>
  );
}

interface RowContext {
  now: number;
  openLogs: ReadonlySet<string>;
  toggleLogs: (id: JobId) => void;
  focusMemory: RefObject<Map<string, string>>;
}

function JobSection({ title, ids, testId, rows }: { title: string; ids: JobId[]; testId: string; rows: RowContext }) {
  if (ids.length === 0) return null;
  return (
    <section className="job-section" aria-label={title} data-testid={testId}>
      <h2>
        {title} <span className="view-count">{ids.length}</span>
      </h2>
      <ol className="job-list">
        {ids.map((id) => (
          <JobRow key={id} jobId={id} now={rows.now} logsOpen={rows.openLogs.has(id)} onToggleLogs={rows.toggleLogs} focusMemory={rows.focusMemory} />
        ))}
      </ol>
    </section>
  );
}
