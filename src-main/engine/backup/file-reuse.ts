/**
 * Dedup on arrival: a file that has just been stored and is identical (size
 * and SHA-256) to the previous backup's file of the same path is replaced by a
 * hard link to that file. Only ever links *to* earlier backups' files and never
 * opens them for writing: a linked file is shared, read-only, by every backup.
 */
import { link, lstat, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BackupFileEntry, PreviousBackup } from './backup-method';

/** The previous backup's entry for `file` when its content is the same, else null. */
export function findIdenticalFile(previous: PreviousBackup | null, file: { path: string; size: number; sha256: string }): BackupFileEntry | null {
  const candidate = previous?.files.get(file.path);
  if (!candidate || candidate.size !== file.size || candidate.sha256 !== file.sha256) return null;
  return candidate;
}

/**
 * The after-the-fact form of dedup on arrival, for backups whose checksums
 * came only at the end (the server's manifest): every stored file identical to
 * the previous backup's is replaced by a link to it, `concurrency` at a time.
 * Marks the linked entries reused and returns how many there were.
 */
export async function linkUnchangedFiles(previous: PreviousBackup, files: readonly BackupFileEntry[], dataFolder: string, concurrency: number): Promise<number> {
  const candidates = files.filter((file) => !file.reused && findIdenticalFile(previous, file) !== null);
  let next = 0;
  let linked = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length) {
      const file = candidates[next++]!;
      file.reused = await linkToPrevious(previous, file.path, file.size, path.join(dataFolder, ...file.path.split('/')));
      if (file.reused) linked += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, candidates.length)) }, worker));
  return linked;
}

/**
 * Replaces `target` (a fully written file of the backup in progress) with a
 * hard link to the previous backup's copy of `relativePath`. Returns false and
 * keeps the written copy when linking is impossible (the previous file is gone
 * or changed size, another volume, too many links).
 */
export async function linkToPrevious(previous: PreviousBackup, relativePath: string, size: number, target: string): Promise<boolean> {
  const source = path.join(previous.dataFolder, ...relativePath.split('/'));
  try {
    const stats = await lstat(source);
    if (!stats.isFile() || stats.size !== size) return false;
  } catch {
    return false;
  }
  // Link beside the target, then rename over it: the target never goes missing.
  const temporary = `${target}.barkeep-link`;
  try {
    await link(source, temporary);
  } catch (error) {
    if (isLinkRefusal(error)) return false;
    throw error;
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return true;
}

function isLinkRefusal(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOTSUP';
}
