/**
 * Decides, file by file, what a backup reuses from the previous one and what
 * travels over SSH, and splits the travelling files into streams of balanced
 * size. Pure. Same size and mtime is enough only for files last modified
 * before the previous backup started (Barman's safe horizon); newer ones must
 * also match by checksum, as rsync --checksum does for Barman.
 */
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import type { RemoteEntry } from './remote-listing';

export interface ReusedFile {
  entry: RemoteEntry;
  previous: BackupFileEntry;
}

export interface TransferPlan {
  directories: RemoteEntry[];
  symlinks: RemoteEntry[];
  /** same size and mtime, older than the horizon: reused as they are */
  reuse: ReusedFile[];
  /** same size and mtime but modified at or after the horizon: reused only if their checksum matches */
  verify: ReusedFile[];
  transfer: RemoteEntry[];
  /** global/pg_control: always copied, and last, as pg_basebackup and Barman do */
  control: RemoteEntry | null;
  /** sockets, fifos and the like: never backed up */
  other: RemoteEntry[];
}

export interface PlanInput {
  entries: readonly RemoteEntry[];
  previous: PreviousBackup | null;
  reuse: 'off' | 'copy' | 'link';
  /** when the previous backup started, on the server's clock; null sends every candidate to verify */
  horizon: Date | null;
}

export const controlFilePath = 'global/pg_control';

export function planTransfer(input: PlanInput): TransferPlan {
  const plan: TransferPlan = { directories: [], symlinks: [], reuse: [], verify: [], transfer: [], control: null, other: [] };
  for (const entry of input.entries) {
    if (entry.type === 'directory') plan.directories.push(entry);
    else if (entry.type === 'symlink') plan.symlinks.push(entry);
    else if (entry.type !== 'file') plan.other.push(entry);
    else if (entry.backupPath === controlFilePath) plan.control = entry;
    else {
      const previous = findPreviousCopy(entry, input);
      if (!previous) plan.transfer.push(entry);
      else if (isBeforeHorizon(entry, input.horizon)) plan.reuse.push({ entry, previous });
      else plan.verify.push({ entry, previous });
    }
  }
  // Parents before children, so folders can be made in order.
  plan.directories.sort((a, b) => comparePaths(a.backupPath, b.backupPath));
  return plan;
}

/** The previous backup's entry when size and mtime match (manifests keep whole seconds: compared at that precision). */
function findPreviousCopy(entry: RemoteEntry, input: PlanInput): BackupFileEntry | null {
  if (input.reuse === 'off' || !input.previous) return null;
  const previous = input.previous.files.get(entry.backupPath);
  if (!previous || previous.size !== entry.size || previous.sha256 === '') return null;
  return wholeSeconds(previous.mtime) === wholeSeconds(entry.mtime) ? previous : null;
}

/**
 * Modified in a second before the previous backup started: any later change
 * would carry a later mtime. A file modified in that second or after may have
 * been copied half-written with the same mtime it has now.
 */
function isBeforeHorizon(entry: RemoteEntry, horizon: Date | null): boolean {
  return horizon !== null && wholeSeconds(entry.mtime) < wholeSeconds(horizon);
}

/**
 * Splits files into at most `count` streams of nearly equal bytes (largest
 * first onto the lightest stream); each stream keeps path order for the disk.
 */
export function splitIntoStreams(files: readonly RemoteEntry[], count: number): RemoteEntry[][] {
  const streams = Array.from({ length: Math.max(1, Math.min(count, files.length)) }, () => ({ files: [] as RemoteEntry[], bytes: 0 }));
  const bySize = [...files].sort((a, b) => b.size - a.size || comparePaths(a.backupPath, b.backupPath));
  for (const file of bySize) {
    let lightest = streams[0]!;
    for (const stream of streams) if (stream.bytes < lightest.bytes) lightest = stream;
    lightest.files.push(file);
    // Count a small file as one block at least, so thousands of empty files still spread out.
    lightest.bytes += Math.max(file.size, 512);
  }
  return streams
    .filter((stream) => stream.files.length > 0)
    .map((stream) => stream.files.sort((a, b) => comparePaths(a.backupPath, b.backupPath)));
}

export function sumSizes(files: readonly { size: number }[]): number {
  return files.reduce((total, file) => total + file.size, 0);
}

function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
