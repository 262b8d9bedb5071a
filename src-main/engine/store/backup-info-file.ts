/**
 * backup.json: each backup's metadata, the source of truth the catalog indexes.
 * Written atomically; read back through the shared schema so a damaged file is
 * reported by name instead of being half-trusted.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BackupInfo } from '../../../shared/domain/backup';
import { BackupId } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { writeFileAtomic } from './atomic-file';
import { backupFolder, backupInfoFile, baseFolder, type StorePaths } from './layout';

export function writeBackupInfo(paths: StorePaths, info: BackupInfo): string {
  const file = backupInfoFile(paths, info.backupId);
  mkdirSync(backupFolder(paths, info.backupId), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(BackupInfo.parse(info), null, 2)}\n`);
  return file;
}

export function readBackupInfo(file: string): BackupInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EngineError('io-failed', `unable to read backup metadata '${file}': ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngineError('catalog-failed', `backup metadata '${file}' is not valid JSON`, 'restore it from a copy or delete the backup folder');
  }
  const parsed = BackupInfo.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError(
      'catalog-failed',
      `backup metadata '${file}' is invalid at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'unknown problem'}`,
      'restore it from a copy or delete the backup folder',
    );
  }
  return parsed.data;
}

/** Every finished or failed backup folder's metadata; in-progress folders are skipped. */
export function listBackupInfoFiles(paths: StorePaths): string[] {
  let names: string[];
  try {
    names = readdirSync(baseFolder(paths));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => BackupId.safeParse(name).success)
    .sort()
    .map((name) => path.join(baseFolder(paths), name, 'backup.json'));
}
