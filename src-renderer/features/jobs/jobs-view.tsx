/**
 * The Jobs view: unfinished jobs first, then recent ones, newest first, from
 * jobs:list kept current by job events. Lists hold ids only (useShallow); each
 * row selects its own job.
 */
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
      <JobSection title="Running" ids={active} now={now} testId="jobs-active" />
      <JobSection title="Recent" ids={recent} now={now} testId="jobs-recent" />
    </section>
  );
}

function JobSection({ title, ids, now, testId }: { title: string; ids: JobId[]; now: number; testId: string }) {
  if (ids.length === 0) return null;
  return (
    <section className="job-section" aria-label={title} data-testid={testId}>
      <h2>
        {title} <span className="view-count">{ids.length}</span>
      </h2>
      <ol className="job-list">
        {ids.map((id) => (
          <JobRow key={id} jobId={id} now={now} />
        ))}
      </ol>
    </section>
  );
}
