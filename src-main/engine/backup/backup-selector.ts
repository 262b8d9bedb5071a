/**
 * Picks one backup of a server the way Barman's commands name them: an id,
 * `latest` (or `last`), `oldest` (or `first`), or `last-failed`. Works on a
 * list the caller read (catalog or store); throws 'backup-unknown' with the
 * ids that do exist.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';

export const backupSelectorHelp = 'a backup id, latest, oldest or last-failed';

/** Complete backups: DONE, or WAITING_FOR_WALS (the data is whole, the WAL is on its way). */
export function isCompleteBackup(backup: BackupInfo): boolean {
  return backup.status === 'DONE' || backup.status === 'WAITING_FOR_WALS';
}

export function selectBackup(backups: readonly BackupInfo[], selector: string, server: string): BackupInfo {
  const sorted = [...backups].sort((a, b) => (a.backupId < b.backupId ? -1 : a.backupId > b.backupId ? 1 : 0));
  const complete = sorted.filter(isCompleteBackup);
  let found: BackupInfo | undefined;
  let wanted: string;
  switch (selector) {
    case 'latest':
    case 'last':
      found = complete.at(-1);
      wanted = 'no complete backup';
      break;
    case 'oldest':
    case 'first':
      found = complete[0];
      wanted = 'no complete backup';
      break;
    case 'last-failed':
      found = sorted.filter((backup) => backup.status === 'FAILED').at(-1);
      wanted = 'no failed backup';
      break;
    default:
      found = sorted.find((backup) => backup.backupId === selector || (backup.name !== null && backup.name === selector));
      wanted = `no backup '${selector}'`;
  }
  if (found) return found;
  const known = sorted.map((backup) => backup.backupId).slice(-5).join(', ');
  throw new EngineError('backup-unknown', `server '${server}' has ${wanted}`,
    known ? `known backups: ${known}${sorted.length > 5 ? ' …' : ''}; see \`barkeep list-backup ${server}\`` : `take one with \`barkeep backup ${server}\``);
}
