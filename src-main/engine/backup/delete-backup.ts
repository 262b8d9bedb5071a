/**
 * Deletes one backup of a server: refuses below minimum_redundancy and for
 * kept backups, takes the backup lock (no backup or delete runs meanwhile),
 * moves the folder out of sight atomically, removes it (other backups' hard
 * links keep the data they share), then the catalog row, the neighbours' own
 * bytes, and an event. The WAL archive is retention's business, not this.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { sampleDiskUsage } from '../disk/usage-history';
import { acquireBackupLock, removeBackupFolder } from './backup-folder';
import { isCompleteBackup, selectBackup } from './backup-selector';
import { storeDiskUsage } from './disk-usage';

export interface DeleteReport {
  server: string;
  backupId: string;
  status: BackupInfo['status'];
  /** bytes the volume got back: the backup's own bytes */
  freedBytes: number | null;
  /** complete backups left */
  remaining: number;
}

export async function deleteBackup(
  deps: { catalog: Catalog; invalidate?: (server: ServerName) => void },
  server: ServerConfig,
  selector: string,
): Promise<DeleteReport> {
  const lock = acquireBackupLock(server.name, server, 'a delete');
  try {
    // 1. the backup, and whether deleting it is allowed
    const backups = deps.catalog.listBackups(server.name);
    const backup = selectBackup(backups, selector, server.name);
    const complete = backups.filter(isCompleteBackup);
    if (backup.keep !== null) {
      throw new EngineError('backup-in-use', `backup ${backup.backupId} of server '${server.name}' has a keep annotation (${backup.keep})`,
        `release it first with \`barkeep keep ${server.name} ${backup.backupId} --release\``);
    }
    if (isCompleteBackup(backup) && complete.length - 1 < server.minimumRedundancy) {
      throw new EngineError('minimum-redundancy',
        `unable to delete backup ${backup.backupId} of server '${server.name}': minimum_redundancy is ${server.minimumRedundancy} and ${complete.length} complete backup${complete.length === 1 ? ' is' : 's are'} left`,
        'take a new backup first, or lower minimum_redundancy');
    }

    // 2. out of sight, then gone; the catalog follows
    removeBackupFolder(server, backup.backupId);
    deps.catalog.deleteBackup(server.name, backup.backupId);
    deps.catalog.recordEvent(server.name, 'backup-deleted', `backup ${backup.backupId} (${backup.status}) deleted`);

    // 3. files it shared now belong to fewer backups
    const { measured } = await storeDiskUsage(deps.catalog, server);
    await sampleDiskUsage(deps.catalog, server, new Date(), measured).catch((error: unknown) =>
      deps.catalog.recordEvent(server.name, 'disk-usage-failed', `disk usage was not recorded after deleting backup ${backup.backupId}: ${(error as Error).message}`));
    deps.invalidate?.(server.name);
    return {
      server: server.name,
      backupId: backup.backupId,
      status: backup.status,
      freedBytes: backup.ownBytes ?? null,
      remaining: complete.length - (isCompleteBackup(backup) ? 1 : 0),
    };
  } finally {
    lock.release();
  }
}
