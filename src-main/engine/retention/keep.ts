/**
 * Keep marks (`barkeep keep`): a kept backup is outside the retention policy.
 * A full keep holds the backup and all WAL from its begin on; a standalone keep
 * holds the backup and only the WAL between its begin and end (enough to start
 * it, not to roll it forward). The mark lives in backup.json, the source of
 * truth, and the catalog follows; every change is an event.
 */
import type { BackupInfo, KeepTarget } from '../../../shared/domain/backup';
import type { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { selectBackup } from '../backup/backup-selector';
import { readBackupInfo, writeBackupInfo } from '../store/backup-info-file';
import { backupInfoFile } from '../store/layout';

export interface KeepDeps {
  catalog: Catalog;
  invalidate?: (server: ServerName) => void;
}

/** The keep mark of the selected backup: 'full', 'standalone', or null when it has none. */
export function readBackupKeep(catalog: Catalog, server: ServerConfig, selector: string): { backup: BackupInfo; keep: KeepTarget | null } {
  const backup = selectBackup(catalog.listBackups(server.name), selector, server.name);
  return { backup, keep: backup.keep };
}

/**
 * Sets (target) or releases (null) the keep mark of one backup. Only a DONE
 * backup can be kept: a failed one restores nothing, and one still waiting for
 * its WAL is not yet a backup. Releasing a backup without a mark is a no-op.
 */
export function setBackupKeep(deps: KeepDeps, server: ServerConfig, selector: string, target: KeepTarget | null): BackupInfo {
  const selected = selectBackup(deps.catalog.listBackups(server.name), selector, server.name);
  // backup.json is the truth: read it again rather than trust the catalog row.
  const current = readBackupInfo(backupInfoFile(server, selected.backupId));
  if (target !== null && current.status !== 'DONE') {
    throw new EngineError('invalid-input', `backup ${current.backupId} of server '${server.name}' is ${current.status}: only a DONE backup can be kept`,
      current.status === 'WAITING_FOR_WALS' ? 'wait until its WAL is archived (`barkeep archive-wal`), then keep it' : 'keep another backup, or take a new one');
  }
  if (current.keep === target) {
    deps.catalog.upsertBackup(current);
    return current;
  }
  const updated: BackupInfo = { ...current, keep: target };
  writeBackupInfo(server, updated);
  deps.catalog.upsertBackup(updated);
  deps.catalog.recordEvent(server.name, target === null ? 'backup-keep-released' : 'backup-kept',
    target === null
      ? `backup ${current.backupId}: keep (${current.keep}) released; the retention policy judges it again`
      : `backup ${current.backupId} kept (target ${target}): outside the retention policy${target === 'standalone' ? ', with only the WAL between its begin and end' : ', with all WAL from its begin on'}`);
  deps.invalidate?.(server.name);
  return updated;
}
