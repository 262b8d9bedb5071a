/**
 * The server view's backups panel: the retention policy, "Backup now" with
 * its job, the virtualized table, the opened backup's detail, and the keep
 * and delete dialogs the rows ask for.
 */
import { useRef, useState } from 'react';
import type { BackupId } from '../../../shared/domain/names';
import { useBarkeep } from '../../app/store-context';
import { BackupDetailPanel } from './backup-detail';
import { BackupJobPanel, BackupNowButton } from './backup-now';
import { BackupsTable } from './backups-table';
import { DeleteDialog } from './delete-dialog';
import { KeepDialog } from './keep-dialog';

type Dialog = { kind: 'keep' | 'delete'; backupId: BackupId } | null;

export function BackupsSection({ server }: { server: string }) {
  const loadable = useBarkeep((state) => state.backupLists[server]);
  const refreshBackups = useBarkeep((state) => state.refreshBackups);
  const [selected, setSelected] = useState<BackupId | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const section = useRef<HTMLElement>(null);
  const list = loadable?.value ?? null;
  // A backup deleted (here or elsewhere) closes its detail.
  const selectedId = selected !== null && list?.rows.some((row) => row.backupId === selected) ? selected : null;

  return (
    <section className="panel backups-panel" aria-labelledby="backups-title" data-testid="backups-section" ref={section}>
      <div className="panel-head">
        <h2 id="backups-title" tabIndex={-1}>Backups</h2>
        {list !== null && <span className="view-count" data-testid="backups-count">{list.rows.length}</span>}
        {list !== null && (
          <span className="muted retention-policy" data-testid="retention-policy">
            {list.retentionPolicy === null ? 'no retention policy' : `retention ${list.retentionPolicy}`}
            {list.minimumRedundancy > 0 && `, minimum redundancy ${list.minimumRedundancy}`}
          </span>
        )}
        <span className="panel-head-action">
          <button type="button" className="button button-small" onClick={() => void refreshBackups(server)}>
            Refresh
          </button>{' '}
          <BackupNowButton server={server} />
        </span>
      </div>
      <BackupJobPanel server={server} />
      {loadable?.status === 'failed' && (
        <div className="job-error" role="alert" data-testid="backups-error">
          <p>{loadable.problem.message}</p>
          {loadable.problem.hint !== undefined && <p className="hint">{loadable.problem.hint}</p>}
        </div>
      )}
      {list === null && loadable?.status !== 'failed' && <p className="loading">Reading the backups…</p>}
      {list !== null && list.rows.length === 0 && (
        <p className="muted" data-testid="backups-empty">
          No backups yet. &ldquo;Backup now&rdquo; takes a full backup; from the command line: <code>barkeep backup {server}</code>.
        </p>
      )}
      {list !== null && list.rows.length > 0 && (
        <BackupsTable
          server={server}
          rows={list.rows}
          selectedId={selectedId}
          onToggleDetail={(backupId) => setSelected((current) => (current === backupId ? null : backupId))}
          onKeep={(backupId) => setDialog({ kind: 'keep', backupId })}
          onDelete={(backupId) => setDialog({ kind: 'delete', backupId })}
        />
      )}
      {selectedId !== null && <BackupDetailPanel server={server} backupId={selectedId} onClose={() => setSelected(null)} />}
      {dialog?.kind === 'keep' && <KeepDialog server={server} backupId={dialog.backupId} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && list !== null && (
        <DeleteDialog
          server={server}
          list={list}
          backupId={dialog.backupId}
          onClose={() => setDialog(null)}
          fallbackFocus={() => section.current?.querySelector<HTMLElement>('[role="row"][tabindex="0"]') ?? section.current?.querySelector<HTMLElement>('h2') ?? null}
        />
      )}
    </section>
  );
}
