/**
 * The delete confirmation: names the backup, the bytes deleting it frees, and
 * what recovery loses (deletion-impact.ts), warns when minimum_redundancy
 * will refuse, and shows the engine's answer if it refuses. Cancel has the
 * focus first; Escape cancels.
 */
import { useState } from 'react';
import type { BackupList } from '../../../shared/domain/backup-view';
import type { BackupId } from '../../../shared/domain/names';
import { ModalDialog } from '../../app/modal-dialog';
import { useBarkeep } from '../../app/store-context';
import type { Problem } from '../../store/describe-error';
import { formatBytes } from '../jobs/job-format';
import { formatTimestamp } from './backup-format';
import { describeDeletion, type DeletionImpact } from './deletion-impact';

interface DeleteDialogProps {
  server: string;
  list: BackupList;
  backupId: BackupId;
  onClose: () => void;
  fallbackFocus: () => HTMLElement | null;
}

export function DeleteDialog({ server, list, backupId, onClose, fallbackFocus }: DeleteDialogProps) {
  const deleteBackup = useBarkeep((state) => state.deleteBackup);
  const notify = useBarkeep((state) => state.notify);
  const [deleting, setDeleting] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  // What the person reads when the dialog opens is what they confirm; a refetch does not rewrite it.
  const [impact] = useState(() => describeDeletion(list, backupId));

  const confirm = async (): Promise<void> => {
    setDeleting(true);
    setProblem(null);
    const outcome = await deleteBackup(server, backupId);
    setDeleting(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    const { deleted } = outcome;
    notify('Backup deleted', `Backup ${deleted.backupId} of ${server} is gone; ${deleted.freedBytes === null ? 'its size was not measured' : `${formatBytes(deleted.freedBytes)} freed`}; ${deleted.remaining} complete backup${deleted.remaining === 1 ? '' : 's'} left.`);
    onClose();
  };

  return (
    <ModalDialog title={`Delete backup ${backupId}?`} onClose={onClose} testId="delete-dialog" tone="danger" fallbackFocus={fallbackFocus}>
      {impact === null ? (
        <p>This backup is no longer in the list: it was deleted meanwhile.</p>
      ) : (
        <ImpactText impact={impact} server={server} minimumRedundancy={list.minimumRedundancy} />
      )}
      {problem !== null && (
        <div className="job-error" role="alert" data-testid="delete-error" data-error-code={problem.code}>
          <p>{problem.message}</p>
          {problem.hint !== undefined && <p className="hint">{problem.hint}</p>}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose} data-autofocus data-testid="delete-cancel">
          Cancel
        </button>
        <button
          type="button"
          className="button button-danger-solid"
          onClick={() => void confirm()}
          disabled={deleting || impact === null}
          data-testid="delete-confirm"
        >
          {deleting ? 'Deleting…' : `Delete ${backupId}`}
        </button>
      </div>
    </ModalDialog>
  );
}

function ImpactText({ impact, server, minimumRedundancy }: { impact: DeletionImpact; server: string; minimumRedundancy: number }) {
  const { loss } = impact;
  return (
    <div className="delete-impact" data-testid="delete-impact" data-loss={loss.kind}>
      <p>
        Backup <strong className="mono">{impact.row.backupId}</strong>
        {impact.row.name !== null && <> (&ldquo;{impact.row.name}&rdquo;)</>} of <strong>{server}</strong>, taken{' '}
        {formatTimestamp(impact.row.beginTime)}, will be removed from disk.
      </p>
      <p data-testid="delete-freed">
        {impact.freedBytes === null
          ? 'Its own size has not been measured: the space freed is not known.'
          : <>This frees <strong>{formatBytes(impact.freedBytes)}</strong>, its own files; files it shares with other backups stay with them.</>}
      </p>
      <p className={loss.kind === 'earliest-point-moves' || loss.kind === 'last-backup' ? 'delete-loss' : undefined} data-testid="delete-loss">
        {loss.kind === 'none-failed' && 'It is a failed backup: it restores nothing, so no point in time is lost.'}
        {loss.kind === 'none-in-progress' && 'It has not finished: no point in time depends on it yet.'}
        {loss.kind === 'none-older-remains' && (
          <>Every point in time stays recoverable: the older backup <span className="mono">{loss.older.backupId}</span> and the archived WAL still reach it (a restore replays more WAL).</>
        )}
        {loss.kind === 'earliest-point-moves' && (
          <>
            It is the oldest backup: recovery to any point before {formatTimestamp(loss.next.endTime)}, when the next backup{' '}
            <span className="mono">{loss.next.backupId}</span> ended, becomes impossible.
          </>
        )}
        {loss.kind === 'last-backup' && 'It is the only complete backup: nothing will be left to restore from until the next backup.'}
      </p>
      {impact.belowMinimumRedundancy && (
        <p className="delete-refusal">
          minimum_redundancy is {minimumRedundancy} and {impact.remaining} complete backup{impact.remaining === 1 ? '' : 's'} would be left: Barkeep will refuse.
        </p>
      )}
    </div>
  );
}
