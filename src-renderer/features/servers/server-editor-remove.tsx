/**
 * "Remove server": a confirmation naming the configuration file and secrets
 * that go and the backups that stay, and the engine's refusal when it
 * refuses (a server defined in the main file). Cancel has the focus first.
 */
import { useState } from 'react';
import { hrefFor } from '../../app/hash-route';
import { ModalDialog } from '../../app/modal-dialog';
import { useBarkeep } from '../../app/store-context';
import type { Problem } from '../../store/describe-error';

interface RemoveDialogProps {
  server: string;
  configFile: string;
  hasSecrets: boolean;
  onClose: () => void;
}

export function RemoveServerDialog({ server, configFile, hasSecrets, onClose }: RemoveDialogProps) {
  const removeServerConfig = useBarkeep((state) => state.removeServerConfig);
  const [removing, setRemoving] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const confirm = async (): Promise<void> => {
    setRemoving(true);
    setProblem(null);
    const outcome = await removeServerConfig(server);
    setRemoving(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    onClose();
    window.location.hash = hrefFor('servers');
  };

  return (
    <ModalDialog title={`Remove server ${server}?`} onClose={onClose} testId="remove-server-dialog" tone="danger">
      <p>
        Barkeep stops managing <strong className="mono">{server}</strong>: its configuration file <code>{configFile}</code>
        {hasSecrets ? ' and its stored password or passphrase are' : ' is'} deleted, and no more backups are taken or WAL archived.
      </p>
      <p>Its backups and archived WAL stay on disk; add the server again with the same name to use them.</p>
      {problem !== null && (
        <div className="job-error" role="alert" data-testid="remove-server-error">
          <p>{problem.message}</p>
          {problem.hint !== undefined && <p className="hint">{problem.hint}</p>}
        </div>
      )}
      <div className="modal-actions">
        <button type="button" className="button" onClick={onClose} data-autofocus data-testid="remove-server-cancel">
          Cancel
        </button>
        <button type="button" className="button button-danger-solid" onClick={() => void confirm()} disabled={removing} data-testid="remove-server-confirm">
          {removing ? 'Removing…' : `Remove ${server}`}
        </button>
      </div>
    </ModalDialog>
  );
}
