/**
 * The local side of a backup that is not a transfer: the folder tree and
 * symlinks, unchanged files hard-linked (or copied) from the previous backup,
 * and the label files PostgreSQL hands back at stop. Never writes outside
 * dataFolder and never opens a previous backup's file for writing.
 */
import { createHash } from 'node:crypto';
import { constants, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { chmod, copyFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import { createTurnTaker } from '../../process/event-loop-turns';
import type { BackupFileEntry } from '../backup-method';
import type { RemoteEntry } from './remote-listing';
import type { ReusedFile } from './transfer-plan';

export interface ReuseOutcome {
  stored: BackupFileEntry[];
  /** previous files that were missing: they must be transferred instead */
  missing: RemoteEntry[];
  /** hard links refused (another volume, link limit): copied instead */
  copiedInsteadOfLinked: number;
}

/** the longest the links hold the event loop between two turns (a link on a network store can take milliseconds) */
const turnMs = 8;
/** copies in flight on the thread pool */
const copyConcurrency = 16;

/**
 * Makes every folder (parents first; modes as on the server, always writable by us).
 * Synchronously, as the links: a few dozen mkdirs are microseconds each, and a
 * trip through the thread pool per folder made this 6-14 ms of every backup.
 */
export async function createFolders(dataFolder: string, directories: readonly RemoteEntry[]): Promise<void> {
  const takeTurn = createTurnTaker(turnMs);
  for (const dir of directories) {
    mkdirSync(localPathOf(dataFolder, dir.backupPath), { recursive: true, mode: (dir.mode & 0o7777) | 0o700 });
    await takeTurn();
  }
}

export async function createSymlinks(dataFolder: string, symlinks: readonly RemoteEntry[]): Promise<void> {
  for (const entry of symlinks) {
    if (entry.linkTarget !== null) symlinkSync(entry.linkTarget, localPathOf(dataFolder, entry.backupPath));
  }
}

/**
 * Links (or copies) unchanged files from the previous backup's data folder.
 * Links are made synchronously, with a turn of the event loop every few
 * milliseconds (the transfer streams run meanwhile): a link is a few
 * microseconds of the kernel's, and each trip through the thread pool cost
 * more than that while the streams used it (958 links: 40 ms → 17 ms).
 * Copies, and links refused by the file system, go a few at a time on the pool.
 */
export async function reuseFiles(
  files: readonly ReusedFile[],
  opts: {
    previousFolder: string; dataFolder: string; mode: 'link' | 'copy'; signal: AbortSignal; onFile(file: BackupFileEntry): void;
    /** paths already linked (link-ahead.ts): recorded as linked */
    linkedAhead?: ReadonlySet<string>;
  },
): Promise<ReuseOutcome> {
  const outcome: ReuseOutcome = { stored: [], missing: [], copiedInsteadOfLinked: 0 };
  const record = (file: ReusedFile, result: 'linked' | 'copied' | 'copied-instead' | 'missing'): void => {
    if (result === 'missing') {
      outcome.missing.push(file.entry);
      return;
    }
    if (result === 'copied-instead') outcome.copiedInsteadOfLinked++;
    const stored: BackupFileEntry = { path: file.entry.backupPath, size: file.entry.size, mtime: file.entry.mtime, sha256: file.previous.sha256, reused: true };
    outcome.stored.push(stored);
    opts.onFile(stored);
  };
  const checkCancelled = (): void => {
    if (opts.signal.aborted) throw new EngineError('cancelled', 'reuse of files from the previous backup was cancelled');
  };
  const paths = (file: ReusedFile): { source: string; target: string } => ({
    source: localPathOf(opts.previousFolder, file.entry.backupPath), target: localPathOf(opts.dataFolder, file.entry.backupPath),
  });

  const toCopy: ReusedFile[] = [];
  if (opts.mode === 'link') {
    const takeTurn = createTurnTaker(turnMs);
    for (const file of files) {
      if (opts.linkedAhead?.has(file.entry.backupPath)) {
        record(file, 'linked');
        continue;
      }
      await takeTurn();
      checkCancelled();
      const { source, target } = paths(file);
      const linked = linkNow(source, target);
      if (linked === 'refused') toCopy.push(file);
      else record(file, linked);
    }
  } else {
    toCopy.push(...files);
  }

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < toCopy.length) {
      checkCancelled();
      const file = toCopy[next++]!;
      const { source, target } = paths(file);
      const copied = await copyOne(source, target, file);
      record(file, copied === 'missing' ? 'missing' : opts.mode === 'link' ? 'copied-instead' : 'copied');
    }
  };
  await Promise.all(Array.from({ length: Math.min(copyConcurrency, toCopy.length) }, worker));
  return outcome;
}

/** A hard link, or 'refused' where the file system will not make one here (another volume, link limit). */
export function linkNow(source: string, target: string): 'linked' | 'missing' | 'refused' {
  try {
    linkSync(source, target);
    return 'linked';
  } catch (error) {
    return readLinkFailure(error as NodeJS.ErrnoException, target);
  }
}

/**
 * What a failed hard link means: its source is 'missing', or the volume 'refused' it (another volume,
 * too many links, no hard links there: copy instead). Any other failure throws.
 */
export function readLinkFailure(failure: { code?: string | undefined; message: string }, target: string): 'missing' | 'refused' {
  const { code } = failure;
  if (code === 'ENOENT') return 'missing';
  if (code === 'EXDEV' || code === 'EMLINK' || code === 'EPERM' || code === 'ENOTSUP') return 'refused';
  throw storeFailed(target, failure);
}

async function copyOne(source: string, target: string, file: ReusedFile): Promise<'copied' | 'missing'> {
  try {
    // A clone where the file system can (btrfs, xfs), a plain copy elsewhere.
    await copyFile(source, target, constants.COPYFILE_FICLONE);
    await chmod(target, file.entry.mode & 0o7777);
    await utimes(target, file.entry.mtime, file.entry.mtime);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw storeFailed(target, error);
  }
  return 'copied';
}

/** Writes backup_label or tablespace_map as PostgreSQL returned it; returns its manifest entry. */
export async function writeLabelFile(dataFolder: string, name: string, content: string, mtime: Date): Promise<BackupFileEntry> {
  const bytes = Buffer.from(content, 'utf8');
  const target = localPathOf(dataFolder, name);
  try {
    await writeFile(target, bytes, { mode: 0o600 });
    await utimes(target, mtime, mtime);
  } catch (error) {
    throw storeFailed(target, error);
  }
  return { path: name, size: bytes.length, mtime, sha256: createHash('sha256').update(bytes).digest('hex'), reused: false };
}

export function localPathOf(dataFolder: string, backupPath: string): string {
  return path.join(dataFolder, ...backupPath.split('/'));
}

export function storeFailed(target: string, error: unknown): EngineError {
  return new EngineError('io-failed', `unable to store '${target}': ${((error as Error).message ?? String(error)).toLowerCase()}`,
    'check the free space and permissions of the backup folder', { cause: error });
}
