/**
 * The on-disk layout of one server's store (DESIGN.md, "On disk"):
 *   <backup_directory>/base/<backup_id>/backup.json, backup_manifest, data/…
 *   <wals_directory>/<timeline+log>/<segment>[.gz|.zst], <tli>.history
 *   identity.json (the system the store belongs to), streaming/ incoming/ errors/
 * Only paths here; reading and writing is done by the modules that own the files.
 */
import path from 'node:path';
import type { BackupId } from '../../../shared/domain/names';

/** The part of a server's configuration that places its store; ServerConfig satisfies it. */
export interface StorePaths {
  backupDirectory: string;
  walsDirectory: string;
  streamingWalsDirectory: string;
  incomingWalsDirectory: string;
  errorsDirectory: string;
}

export function baseFolder(paths: StorePaths): string {
  return path.join(paths.backupDirectory, 'base');
}

export function backupFolder(paths: StorePaths, backupId: BackupId | string): string {
  return path.join(baseFolder(paths), backupId);
}

/** The backup's copy of the data folder: what its size counts and a restore copies (backup.json and backup_manifest sit beside it). */
export function backupDataFolder(paths: StorePaths, backupId: BackupId | string): string {
  return path.join(backupFolder(paths, backupId), 'data');
}

export function backupInfoFile(paths: StorePaths, backupId: BackupId | string): string {
  return path.join(backupFolder(paths, backupId), 'backup.json');
}

export function identityFile(paths: StorePaths): string {
  return path.join(paths.backupDirectory, 'identity.json');
}

/** Temporary folders of backups in progress start with this; they are never listed as backups. */
export const inProgressPrefix = '.incoming-';
