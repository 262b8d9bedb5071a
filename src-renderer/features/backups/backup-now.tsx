/**
 * "Backup now" and the backup job it starts: title, phase, the progress bar
 * (bytes of the total when PostgreSQL announced it), Cancel while it runs,
 * and how it ended. A backup of this server started elsewhere (the command
 * line, a schedule) shows here too while it runs.
 */
import { useState } from 'react';
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { hrefFor } from '../../app/hash-route';
import { useBarkeep } from '../../app/store-context';
import type { BarkeepState } from '../../store/barkeep-store';
import { JobProgress } from '../jobs/job-progress';

/** The backup job this window started for the server, else one running from elsewhere. */
function selectBackupJob(state: BarkeepState, server: string): JobSnapshot | undefined {
  const running = Object.values(state.jobsById).find((job) => job.kind === 'backup' && job.server === server && !isTerminal(job.state));
  const mine = state.backupJobs[server];
  const own = mine === undefined ? undefined : state.jobsById[mine];
  return own !== undefined && (!isTerminal(own.state) || running === undefined) ? own : running;
}

export function BackupNowButton({ server }: { server: string }) {
  const requesting = useBarkeep((state) => state.backupRequesting[server] === true);
  const job = useBarkeep((state) => selectBackupJob(state, server));
  const startBackup = useBarkeep((state) => state.startBackup);
  const busy = requesting || (job !== undefined && !isTerminal(job.state));
  return (
    <button type="button" className="button button-primary button-small" onClick={() => void startBackup(server)} disabled={busy} data-testid="backup-now">
      {busy ? 'Backup running…' : 'Backup now'}
    </button>
  );
}

export function BackupJobPanel({ server }: { server: string }) {
  const job = useBarkeep((state) => selectBackupJob(state, server));
  const cancelling = useBarkeep((state) => (job === undefined ? false : state.cancellingJobIds[job.id] === true));
  const cancelJob = useBarkeep((state) => state.cancelJob);
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (job === undefined || job.id === dismissed) return null;
  const finished = isTerminal(job.state);
  return (
    <div className={`backup-job backup-job-${job.state}`} data-testid="backup-job" data-job-state={job.state} role="status" aria-live="polite">
      <div className="backup-job-line">
        <strong>{job.title}</strong>
        <span className={`badge job-state job-state-${job.state}`}>
          <span className="job-state-mark" aria-hidden="true" />
          {job.state}
        </span>
        <span className="backup-job-phase" data-testid="backup-job-phase">{job.phase}</span>
        <span className="backup-job-links">
          <a href={hrefFor('jobs')}>Open in Jobs</a>
          {!finished && (
            <button type="button" className="button button-small button-danger" onClick={() => void cancelJob(job.id)} disabled={cancelling} data-testid="backup-cancel">
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          )}
          {finished && (
            <button type="button" className="button-quiet" onClick={() => setDismissed(job.id)} aria-label="Dismiss the backup result" data-testid="backup-job-dismiss">
              ✕
            </button>
          )}
        </span>
      </div>
      <JobProgress job={job} />
      {job.error !== null && (
        <div className="job-error" data-testid="backup-job-error">
          <p>
            {job.error.message} <code className="error-code">{job.error.code}</code>
          </p>
          {job.error.hint !== undefined && <p className="hint">{job.error.hint}</p>}
        </div>
      )}
    </div>
  );
}
