/**
 * A backup's status in the table as one badge: the retention verdict
 * (VALID, OBSOLETE, KEEP …) for a complete backup, FAILED, or the step an
 * unfinished one is at. The verdict's reason is its tooltip and is read out
 * to screen readers, so why a backup is obsolete is never a guess.
 */
import type { BackupRow, RetentionStatus } from '../../../shared/domain/backup-view';

const labels: Record<RetentionStatus, string> = {
  VALID: 'VALID',
  OBSOLETE: 'OBSOLETE',
  POTENTIALLY_OBSOLETE: 'OBSOLETE?',
  'KEEP:FULL': 'KEEP FULL',
  'KEEP:STANDALONE': 'KEEP STANDALONE',
  FAILED: 'FAILED',
  IN_PROGRESS: 'IN PROGRESS',
};

const tones: Record<RetentionStatus, string> = {
  VALID: 'valid',
  OBSOLETE: 'obsolete',
  POTENTIALLY_OBSOLETE: 'potentially-obsolete',
  'KEEP:FULL': 'keep',
  'KEEP:STANDALONE': 'keep',
  FAILED: 'failed',
  IN_PROGRESS: 'in-progress',
};

export function RetentionBadge({ row }: { row: BackupRow }) {
  const { status, reason } = row.retention;
  // An unfinished backup says which step it is at rather than "in progress".
  const label = status === 'IN_PROGRESS' ? row.status.replaceAll('_', ' ') : labels[status];
  const title = row.error !== null ? `${reason}\n${row.error}` : reason;
  return (
    <span className={`badge retention retention-${tones[status]}`} title={title} data-testid={`retention-${row.backupId}`} data-retention={status}>
      <span className="retention-mark" aria-hidden="true" />
      {label}
      <span className="visually-hidden">: {reason}</span>
    </span>
  );
}
