/**
 * One row of the backups table: id and name, begin and end, own and total
 * size, WAL size, method, status, and the row's actions (Verify, Keep… or
 * Release, Delete…). Only the active row's buttons are in the Tab order; the
 * row itself is focusable. Selects its own verify and keep state, so a job
 * event re-renders one row.
 */
import type { KeyboardEvent, MouseEvent } from 'react';
import type { BackupRow } from '../../../shared/domain/backup-view';
import { useBarkeep } from '../../app/store-context';
import { backupKey } from '../../store/server-view-slice';
import { formatBytes } from '../jobs/job-format';
import { formatOptionalBytes, formatTimestamp } from './backup-format';
import { RetentionBadge } from './retention-badge';

export interface BackupRowProps {
  server: string;
  row: BackupRow;
  index: number;
  top: number;
  active: boolean;
  selected: boolean;
  onActivate: (index: number) => void;
  onToggleDetail: (backupId: BackupRow['backupId']) => void;
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>, index: number) => void;
  onKeep: (backupId: BackupRow['backupId']) => void;
  onDelete: (backupId: BackupRow['backupId']) => void;
}

const isComplete = (row: BackupRow): boolean => row.status === 'DONE' || row.status === 'WAITING_FOR_WALS';

export function BackupRowView({ server, row, index, top, active, selected, onActivate, onToggleDetail, onKeyDown, onKeep, onDelete }: BackupRowProps) {
  const key = backupKey(server, row.backupId);
  const verifyJobId = useBarkeep((state) => state.verifyJobs[key]);
  const verifyState = useBarkeep((state) => (verifyJobId === undefined ? undefined : state.jobsById[verifyJobId]?.state));
  const verifyError = useBarkeep((state) => (verifyJobId === undefined ? undefined : state.jobsById[verifyJobId]?.error?.message));
  const keepPending = useBarkeep((state) => state.keepPending[key] === true);
  const verifyBackup = useBarkeep((state) => state.verifyBackup);
  const keepBackup = useBarkeep((state) => state.keepBackup);
  const verifying = verifyState === 'queued' || verifyState === 'running';
  const tab = active ? 0 : -1;

  const toggleFromClick = (event: MouseEvent<HTMLDivElement>): void => {
    if ((event.target as HTMLElement).closest('button') !== null) return;
    onToggleDetail(row.backupId);
  };

  return (
    <div
      role="row"
      className={`backups-grid backup-row${selected ? ' backup-row-selected' : ''}${row.retention.status === 'OBSOLETE' ? ' backup-row-obsolete' : ''}`}
      // Positioned by the virtual window; CSSOM styles are allowed by the strict CSP (style attributes in markup are not).
      style={{ transform: `translateY(${top}px)` }}
      tabIndex={tab}
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-row-index={index}
      data-testid={`backup-row-${row.backupId}`}
      data-status={row.status}
      onFocus={() => {
        if (!active) onActivate(index);
      }}
      onClick={toggleFromClick}
      onKeyDown={(event) => onKeyDown(event, index)}
    >
      <div role="gridcell" className="backup-id-cell">
        <span className="mono backup-id">{row.backupId}</span>
        {row.name !== null && <span className="backup-name">{row.name}</span>}
      </div>
      <div role="gridcell">
        <time dateTime={row.beginTime} title={row.beginTime}>{formatTimestamp(row.beginTime)}</time>
      </div>
      <div role="gridcell">
        {row.endTime === null ? <span className="muted">—</span> : <time dateTime={row.endTime} title={row.endTime}>{formatTimestamp(row.endTime)}</time>}
      </div>
      <div role="gridcell" className="numeric" title="size: the backup's data files; own: on disk and shared with no other backup, what deleting it frees">
        <span>{formatBytes(row.sizeBytes)}</span>
        <span className="size-own muted">{formatOptionalBytes(row.ownBytes)} own</span>
      </div>
      <div role="gridcell" className="numeric">{formatOptionalBytes(row.walBytes)}</div>
      <div role="gridcell">{row.method}</div>
      <div role="gridcell" className="backup-status-cell">
        <RetentionBadge row={row} />
        <VerifyMark state={verifyState} error={verifyError} backupId={row.backupId} />
      </div>
      <div role="gridcell" className="row-actions">
        <button
          type="button"
          className="button button-small"
          tabIndex={tab}
          disabled={!isComplete(row) || verifying}
          title={isComplete(row) ? 'check every file against the backup manifest' : 'only a complete backup can be verified'}
          onClick={() => void verifyBackup(server, row.backupId)}
          data-testid={`verify-${row.backupId}`}
        >
          {verifying ? 'Verifying…' : 'Verify'}
        </button>
        {row.keep === null ? (
          <button
            type="button"
            className="button button-small"
            tabIndex={tab}
            disabled={row.status !== 'DONE' || keepPending}
            title={row.status === 'DONE' ? 'keep it outside the retention policy' : 'only a DONE backup can be kept'}
            onClick={() => onKeep(row.backupId)}
            data-testid={`keep-${row.backupId}`}
            aria-haspopup="dialog"
          >
            Keep…
          </button>
        ) : (
          <button
            type="button"
            className="button button-small"
            tabIndex={tab}
            disabled={keepPending}
            title="release the keep: the retention policy judges it again"
            onClick={() => void keepBackup(server, row.backupId, null)}
            data-testid={`release-${row.backupId}`}
          >
            {keepPending ? 'Releasing…' : 'Release'}
          </button>
        )}
        <button
          type="button"
          className="button button-small button-danger"
          tabIndex={tab}
          disabled={row.keep !== null || row.status === 'STARTED'}
          title={row.keep !== null ? 'a kept backup cannot be deleted: release it first' : row.status === 'STARTED' ? 'the backup is still running' : 'delete this backup'}
          onClick={() => onDelete(row.backupId)}
          data-testid={`delete-${row.backupId}`}
          aria-haspopup="dialog"
        >
          Delete…
        </button>
      </div>
    </div>
  );
}

function VerifyMark({ state, error, backupId }: { state: string | undefined; error: string | undefined; backupId: string }) {
  if (state === undefined) return null;
  const testId = `verify-state-${backupId}`;
  if (state === 'succeeded') return <span className="verify-mark verify-ok" data-testid={testId} data-state={state}>✓ verified</span>;
  if (state === 'failed' || state === 'cancelled') {
    return <span className="verify-mark verify-bad" data-testid={testId} data-state={state} title={error}>✕ {state === 'failed' ? 'verify failed' : 'verify cancelled'}</span>;
  }
  return <span className="verify-mark muted" data-testid={testId} data-state={state}>verifying…</span>;
}
