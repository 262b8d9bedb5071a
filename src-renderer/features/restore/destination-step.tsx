/**
 * Step 4 of the composer: where the restored cluster goes. A folder on this
 * machine, or a folder on another host through an OpenSSH command line (its
 * host key checked against the pinned known_hosts, never skipped); a folder
 * for each tablespace of the backup, or its original location; and the
 * engine's verdict on the folder: it must be empty or new, nothing is deleted.
 */
import { useId } from 'react';
import type { BackupTablespace } from '../../../shared/domain/backup';
import type { DestinationCheck } from '../../../shared/domain/restore';
import { useBarkeep } from '../../app/store-context';
import { Refusal } from './plan-step';

export function DestinationStep() {
  const draft = useBarkeep((state) => state.restoreDraft);
  const update = useBarkeep((state) => state.updateRestoreDraft);
  const plan = useBarkeep((state) => (state.restorePlan.status === 'loaded' || state.restorePlan.status === 'loading' ? state.restorePlan.value : null));
  const id = useId();
  const tablespaces = plan?.backup.tablespaces ?? [];
  const check = plan?.destination ?? null;

  return (
    <section className="panel restore-step" aria-labelledby={`${id}-title`} data-testid="restore-step-destination">
      <h2 id={`${id}-title`} className="step-title"><span className="step-number" aria-hidden="true">4</span>Destination</h2>
      <fieldset className="choice-group">
        <legend>Restore into</legend>
        <label className="choice">
          <input type="radio" name={`${id}-where`} checked={draft.destinationKind === 'local'} onChange={() => update({ destinationKind: 'local' })} data-testid="destination-local" />
          <span>A folder on this machine</span>
          <span className="choice-detail">where Barkeep runs</span>
        </label>
        <label className="choice">
          <input type="radio" name={`${id}-where`} checked={draft.destinationKind === 'ssh'} onChange={() => update({ destinationKind: 'ssh' })} data-testid="destination-ssh" />
          <span>A folder on another host, over SSH</span>
          <span className="choice-detail">tar streams over one connection</span>
        </label>
      </fieldset>
      {draft.destinationKind === 'ssh' && (
        <div className="field-row">
          <label htmlFor={`${id}-ssh`}>SSH command</label>
          <input
            id={`${id}-ssh`}
            className="mono input-wide"
            value={draft.sshCommand}
            placeholder="ssh postgres@db2 -i ~/.ssh/id_barkeep -o UserKnownHostsFile=/etc/barkeep/known_hosts"
            spellCheck={false}
            onChange={(event) => update({ sshCommand: event.target.value })}
            data-testid="destination-ssh-command"
          />
        </div>
      )}
      <div className="field-row">
        <label htmlFor={`${id}-folder`}>{draft.destinationKind === 'ssh' ? 'Folder on that host' : 'Folder'}</label>
        <input
          id={`${id}-folder`}
          className="mono input-wide"
          value={draft.folder}
          placeholder="/var/lib/postgresql/restore"
          spellCheck={false}
          aria-describedby={`${id}-folder-rule`}
          onChange={(event) => update({ folder: event.target.value })}
          data-testid="destination-folder"
        />
      </div>
      <p className="hint" id={`${id}-folder-rule`}>An absolute path to an empty or new folder: Barkeep never deletes what a folder holds.</p>
      {tablespaces.length > 0 && <TablespaceRows tablespaces={tablespaces} values={draft.tablespaces} onChange={(name, path) => update({ tablespaces: { ...draft.tablespaces, [name]: path } })} />}
      {check !== null && <DestinationVerdict check={check} />}
    </section>
  );
}

function TablespaceRows({ tablespaces, values, onChange }: { tablespaces: readonly BackupTablespace[]; values: Record<string, string>; onChange: (name: string, path: string) => void }) {
  return (
    <table className="data-table tablespace-table" data-testid="tablespace-rows">
      <caption>Tablespaces of the backup</caption>
      <thead>
        <tr><th scope="col">Tablespace</th><th scope="col">Lived at</th><th scope="col">Restore into</th></tr>
      </thead>
      <tbody>
        {tablespaces.map((space) => (
          <tr key={space.oid}>
            <th scope="row"><span className="mono">{space.name}</span> <span className="muted">oid {space.oid}</span></th>
            <td className="mono">{space.location}</td>
            <td>
              <input
                className="mono input-wide"
                aria-label={`Folder for tablespace ${space.name}`}
                value={values[space.name] ?? ''}
                placeholder="its original location (must be empty)"
                spellCheck={false}
                onChange={(event) => onChange(space.name, event.target.value)}
                data-testid={`tablespace-path-${space.name}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DestinationVerdict({ check }: { check: DestinationCheck }) {
  switch (check.state) {
    case 'ready':
      return (
        <p className="destination-ready" data-testid="destination-check" data-state="ready">
          <span className="ok-mark" aria-hidden="true">✓</span> <span className="mono">{check.folder}</span>{' '}
          {check.exists ? 'is empty' : 'will be created'}, and its file system has room for the copy.
        </p>
      );
    case 'unchecked':
      return <p className="muted" data-testid="destination-check" data-state="unchecked">{check.reason[0]!.toUpperCase() + check.reason.slice(1)}.</p>;
    case 'refused':
      return (
        <div data-testid="destination-check" data-state="refused">
          <Refusal problem={{ title: 'This destination is refused', ...check.error }} testId="destination-refusal" />
        </div>
      );
  }
}
