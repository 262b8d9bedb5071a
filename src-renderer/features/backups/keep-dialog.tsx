/**
 * Choosing how to keep a backup outside the retention policy: full (the
 * backup and all WAL from its begin on, so it can roll forward) or standalone
 * (only the WAL between its begin and end: it restores to its end, no later).
 */
import type { BackupId } from '../../../shared/domain/names';
import type { KeepTarget } from '../../../shared/domain/backup';
import { ModalDialog } from '../../app/modal-dialog';
import { useBarkeep } from '../../app/store-context';

interface KeepDialogProps {
  server: string;
  backupId: BackupId;
  onClose: () => void;
}

const choices: Array<{ target: KeepTarget; title: string; text: string }> = [
  {
    target: 'full',
    title: 'Keep with all later WAL (full)',
    text: 'The backup and every WAL file from its begin on are kept, so it restores to any later point in time.',
  },
  {
    target: 'standalone',
    title: 'Keep standalone',
    text: 'The backup and only the WAL between its begin and end are kept: it restores to the moment it ended, no later. Takes less space over time.',
  },
];

export function KeepDialog({ server, backupId, onClose }: KeepDialogProps) {
  const keepBackup = useBarkeep((state) => state.keepBackup);
  const choose = (target: KeepTarget): void => {
    onClose();
    void keepBackup(server, backupId, target);
  };
  return (
    <ModalDialog title={`Keep backup ${backupId}`} onClose={onClose} testId="keep-dialog">
      <p>A kept backup is outside the retention policy: it is never deleted as obsolete until you release it.</p>
      <div className="keep-choices">
        {choices.map((choice) => (
          <button key={choice.target} type="button" className="keep-choice" onClick={() => choose(choice.target)} data-testid={`keep-${choice.target}`}>
            <strong>{choice.title}</strong>
            <span>{choice.text}</span>
          </button>
        ))}
      </div>
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose} data-testid="keep-cancel">
          Cancel
        </button>
      </div>
    </ModalDialog>
  );
}
