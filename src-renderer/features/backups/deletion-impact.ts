/**
 * What deleting one backup costs, worked out from the backups table for the
 * confirmation dialog: the bytes it frees, and what recovery loses. Deleting
 * the oldest complete backup moves the earliest recoverable point to the next
 * backup's end; deleting the only one leaves nothing to restore from; a
 * failed backup restores nothing, so deleting it loses nothing.
 */
import type { BackupList, BackupRow } from '../../../shared/domain/backup-view';

export type RecoveryLoss =
  | { kind: 'none-failed' }
  | { kind: 'none-in-progress' }
  /** an older complete backup remains: every point stays reachable from it with the archived WAL */
  | { kind: 'none-older-remains'; older: BackupRow }
  /** the oldest: points before `next` became consistent (its end) are lost */
  | { kind: 'earliest-point-moves'; next: BackupRow }
  | { kind: 'last-backup' };

export interface DeletionImpact {
  row: BackupRow;
  /** null when not measured yet */
  freedBytes: number | null;
  loss: RecoveryLoss;
  /** minimum_redundancy would be broken: the engine refuses */
  belowMinimumRedundancy: boolean;
  /** complete backups left afterwards */
  remaining: number;
}

const isComplete = (row: BackupRow): boolean => row.status === 'DONE' || row.status === 'WAITING_FOR_WALS';

/** Null when the backup is not in the list (deleted meanwhile). */
export function describeDeletion(list: BackupList, backupId: string): DeletionImpact | null {
  const row = list.rows.find((candidate) => candidate.backupId === backupId);
  if (row === undefined) return null;
  // Rows are newest first; oldest first reads more naturally here.
  const complete = list.rows.filter(isComplete).reverse();
  const remaining = complete.length - (isComplete(row) ? 1 : 0);
  return {
    row,
    freedBytes: row.ownBytes,
    loss: lossOf(row, complete),
    belowMinimumRedundancy: isComplete(row) && remaining < list.minimumRedundancy,
    remaining,
  };
}

function lossOf(row: BackupRow, completeOldestFirst: readonly BackupRow[]): RecoveryLoss {
  if (row.status === 'FAILED') return { kind: 'none-failed' };
  if (!isComplete(row)) return { kind: 'none-in-progress' };
  const index = completeOldestFirst.findIndex((candidate) => candidate.backupId === row.backupId);
  const older = completeOldestFirst[index - 1];
  if (older !== undefined) return { kind: 'none-older-remains', older };
  const next = completeOldestFirst[index + 1];
  return next === undefined ? { kind: 'last-backup' } : { kind: 'earliest-point-moves', next };
}
