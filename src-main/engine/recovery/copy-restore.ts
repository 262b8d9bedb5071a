/**
 * The copy phase of a local restore: the backup's data folder into DEST (real
 * copies, never hard links into the store; postmaster.pid/opts left out) and the
 * plan's WAL, decompressed, into DEST/barkeep_wal. Reports bytes as it goes and
 * checks cancellation between files; writes nothing outside DEST.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { readArchivedWal } from '../wal/archive-store';

const skippedFiles = new Set(['postmaster.pid', 'postmaster.opts']);
const copyConcurrency = 4;

export interface CopyProgress {
  (bytesDone: number): void;
}

interface FileToCopy {
  from: string;
  to: string;
  size: number;
}

/**
 * Copies `source` (a backup's data/) to `dest`, keeping modes; returns the bytes copied. `relocate` maps
 * 'pg_tblspc/<oid>' to a folder outside DEST: that tablespace's content goes there, and pg_tblspc/<oid> becomes a
 * symlink to it (tablespace_map says the same to PostgreSQL).
 */
export async function copyDataFolder(source: string, dest: string, signal: AbortSignal, onBytes: CopyProgress,
  relocate: ReadonlyMap<string, string> = new Map()): Promise<number> {
  const files: FileToCopy[] = [];
  await walkTree(source, '', dest, files, relocate);
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < files.length; index = next++) {
      if (signal.aborted) throw new EngineError('cancelled', 'the restore was cancelled');
      const file = files[index]!;
      // COPYFILE_EXCL: DEST was checked empty, so an existing file means something else writes there.
      await copyFile(file.from, file.to, constants.COPYFILE_EXCL);
      done += file.size;
      onBytes(done);
    }
  };
  await Promise.all(Array.from({ length: copyConcurrency }, worker));
  return done;
}

/** Creates the folders (and copies symlinks) of the tree, and lists its regular files. */
async function walkTree(source: string, relative: string, dest: string, files: FileToCopy[], relocate: ReadonlyMap<string, string>): Promise<void> {
  const here = path.join(source, relative);
  const mode = (await lstat(here)).mode & 0o777;
  await mkdir(path.join(dest, relative), { recursive: true, mode });
  for (const entry of await readdir(here, { withFileTypes: true })) {
    const child = path.join(relative, entry.name);
    if (relative === '' && skippedFiles.has(entry.name)) continue;
    const target = entry.isDirectory() ? relocate.get(child.split(path.sep).join('/')) : undefined;
    if (target !== undefined) {
      // the folder may exist already (checked empty): PostgreSQL wants it private
      await walkTree(path.join(source, child), '', target, files, new Map());
      await chmod(target, 0o700);
      await symlink(target, path.join(dest, child));
    } else if (entry.isDirectory()) await walkTree(source, child, dest, files, relocate);
    else if (entry.isSymbolicLink()) await symlink(await readlink(path.join(source, child)), path.join(dest, child));
    else if (entry.isFile()) files.push({ from: path.join(source, child), to: path.join(dest, child), size: (await lstat(path.join(source, child))).size });
  }
}

/** Writes each WAL file of the plan (segments decompressed, history files as they are) into `walFolder`. */
export async function copyPlannedWal(walsDirectory: string, names: readonly string[], walFolder: string, signal: AbortSignal, onBytes: CopyProgress): Promise<number> {
  await mkdir(walFolder, { recursive: true, mode: 0o700 });
  let done = 0;
  for (const name of names) {
    if (signal.aborted) throw new EngineError('cancelled', 'the restore was cancelled');
    const bytes = readArchivedWal(walsDirectory, name);
    if (bytes === null) {
      throw new EngineError('wal-missing', `wal file ${name} disappeared from the archive during the restore`,
        'retention or a person may have removed it: plan the restore again');
    }
    await writeFile(path.join(walFolder, name), bytes, { mode: 0o600, flag: 'wx' });
    done += bytes.length;
    onBytes(done);
  }
  return done;
}

