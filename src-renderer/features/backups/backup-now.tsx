/**
 * "Backup now" and the backup job it starts, followed in a job panel (phase,
 * progress, Cancel, how it ended) that can be dismissed once finished. A
 * backup of this server started elsewhere (the command line, a schedule)
 * shows here too while it runs.
 */
import { useState } from 'react';
import { isTerminal, type JobSnapshot } from '../../../shared/domain/job';
import { useBarkeep } from '../../app/store-context';
import type { BarkeepState } from '../../store/barkeep-store';
import { JobPanel } from '../jobs/job-panel';

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
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (job === undefined || job.id === dismissed) return null;
  return (
    <JobPanel
      job={job}
      name="backup"
      finishedAction={
        <button type="button" className="button-quiet" onClick={() => setDismissed(job.id)} aria-label="Dismiss the backup result" data-testid="backup-job-dismiss">
          ✕
        </button>
      }
    />
  );
}
