/**
 * The copy phase of a local restore: the backup's data folder into DEST (real
 * copies, never hard links into the store; postmaster.pid/opts left out) and the
 * plan's WAL, decompressed, into DEST/barkeep_wal. Reports bytes as it goes and
 * checks cancellation between files; writes nothing outside DEST (and the
 * relocated tablespace folders). When restoring as root, everything it makes is
 * handed to the cluster owner as it is made.
 *
 * Speed: workers copy while the tree is still being listed, always the largest
 * file found so far first (copy-queue.ts), the WAL among the data files; each
 * copy is one libuv copyfile (open, reflink or copy_file_range, close: the
 * bytes never leave the kernel; mode kept). Nothing is fsynced: PostgreSQL
 * fsyncs the whole data folder when it starts from a backup.
 */
import { constants } from 'node:fs';
import { chmod, chown, copyFile, lchown, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { findArchivedWal, type ArchivedWalFile } from '../wal/archive-store';
import { decompressWal } from '../wal/compression';
import { LargestFirstQueue } from './copy-queue';

const skippedFiles = new Set(['postmaster.pid', 'postmaster.opts']);
/**
 * Copies in flight. libuv's pool has 4 threads; twice as many requests keep it busy while the main thread handles
 * completions (on 2 cores, copying a pgbench backup, 8 beat 2, 4 and 16). Not `parallel_jobs`, whose default of 1 is
 * meant for rsync streams: a local copy is this fast only with several files in flight.
 */
const copyConcurrency = 8;
/**
 * EXCL: DEST was checked empty, so an existing file means something else writes there. FICLONE: on a file system
 * with copy-on-write (btrfs, xfs) the copy shares blocks until either side writes (a real copy all the same: writing
 * to the restored file never changes the store's); elsewhere the kernel copies the bytes.
 */
const copyFlags = constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE;

export interface CopyProgress {
  (bytesDone: number): void;
}

/** The OS user and group a root restore hands its files to (the cluster owner). */
export interface FileOwner {
  uid: number;
  gid: number;
}

export interface RestoreCopyInput {
  /** the backup's data/ folder */
  source: string;
  dest: string;
  /**
   * 'pg_tblspc/<oid>' → a folder outside DEST: that tablespace's content goes there, and pg_tblspc/<oid> becomes a
   * symlink to it (tablespace_map says the same to PostgreSQL).
   */
  relocate?: ReadonlyMap<string, string>;
  /** every folder, file and symlink made is chowned to this owner; null or absent: left to the writing user */
  owner?: FileOwner | null;
  /**
   * File sizes by path in the data folder ('base/5/16400', as backup_manifest names them): they order the copy and
   * count its bytes without a stat per file. A file not listed is stat'ed.
   */
  knownSizes?: ReadonlyMap<string, number>;
  /** the plan's WAL files (history files as they are, segments decompressed) for `folder`, 0600; absent: none */
  wal?: { walsDirectory: string; names: readonly string[]; folder: string } | null;
}

export interface RestoreCopyResult {
  dataBytes: number;
  walBytes: number;
}

interface QueuedCopy {
  kind: 'data' | 'wal';
  /** bytes expected, for the order: a data file's size, a WAL file's size in the archive */
  size: number;
  /** copies; returns the bytes written */
  run(): Promise<number>;
}

/** Copies the data folder and the WAL into DEST; `onBytes` gets the bytes written so far, data and WAL together. */
export async function copyRestoreFiles(input: RestoreCopyInput, signal: AbortSignal, onBytes: CopyProgress): Promise<RestoreCopyResult> {
  const owner = input.owner ?? null;
  const queue = new LargestFirstQueue<QueuedCopy>();
  const done: RestoreCopyResult = { dataBytes: 0, walBytes: 0 };
  // The workers copy while the listing goes on: they wait for it only when they have run out of files.
  const workers = Array.from({ length: copyConcurrency }, async () => {
    try {
      for (let item = await queue.take(); item !== null; item = await queue.take()) {
        if (signal.aborted) throw new EngineError('cancelled', 'the restore was cancelled');
        const bytes = await item.run();
        if (item.kind === 'data') done.dataBytes += bytes;
        else done.walBytes += bytes;
        onBytes(done.dataBytes + done.walBytes);
      }
    } catch (error) {
      queue.stop();
      throw error;
    }
  });
  const listing = (async () => {
    try {
      await walkTree({ source: input.source, dest: input.dest, relocate: input.relocate ?? new Map(), sizes: input.knownSizes ?? new Map(), prefix: '', owner, queue }, '');
      if (input.wal) await queueWal(input.wal, queue, owner);
      queue.close();
    } catch (error) {
      queue.stop();
      throw error;
    }
  })();
  // Every worker and the listing have settled before a failure is thrown: nothing writes into DEST behind the caller's cleanup.
  await settleAll([listing, ...workers]);
  return done;
}

interface TreeWalk {
  source: string;
  dest: string;
  relocate: ReadonlyMap<string, string>;
  sizes: ReadonlyMap<string, number>;
  /** where `source` is in the data folder: '' for the data folder itself, 'pg_tblspc/<oid>' for a relocated tablespace */
  prefix: string;
  owner: FileOwner | null;
  queue: LargestFirstQueue<QueuedCopy>;
}

/** Creates the folders (and copies symlinks) of the tree under `relative`, and queues its regular files. */
async function walkTree(walk: TreeWalk, relative: string): Promise<void> {
  const { source, dest, relocate, owner, queue } = walk;
  const here = path.join(source, relative);
  const there = path.join(dest, relative);
  const mode = (await lstat(here)).mode & 0o777;
  await mkdir(there, { recursive: true, mode });
  if (owner !== null) await chown(there, owner.uid, owner.gid);
  const entries = (await readdir(here, { withFileTypes: true })).filter((entry) => relative !== '' || !skippedFiles.has(entry.name));
  // The entries of one folder in parallel: each is a stat, a mkdir or a symlink in libuv's pool.
  await settleAll(entries.map(async (entry) => {
    const child = path.join(relative, entry.name);
    const inData = path.posix.join(walk.prefix, child.split(path.sep).join('/'));
    const from = path.join(source, child);
    const to = path.join(dest, child);
    const target = entry.isDirectory() ? relocate.get(inData) : undefined;
    if (target !== undefined) {
      // the folder may exist already (checked empty): PostgreSQL wants it private
      await walkTree({ ...walk, source: from, dest: target, relocate: new Map(), prefix: inData }, '');
      await chmod(target, 0o700);
      await makeSymlink(target, to, owner);
    } else if (entry.isDirectory()) await walkTree(walk, child);
    else if (entry.isSymbolicLink()) await makeSymlink(await readlink(from), to, owner);
    else if (entry.isFile()) {
      const size = walk.sizes.get(inData) ?? (await lstat(from)).size;
      queue.push({ kind: 'data', size, run: () => copyDataFile(from, to, size, owner) });
    }
  }));
}

async function copyDataFile(from: string, to: string, size: number, owner: FileOwner | null): Promise<number> {
  await copyFile(from, to, copyFlags);
  if (owner !== null) await chown(to, owner.uid, owner.gid);
  return size;
}

async function makeSymlink(target: string, at: string, owner: FileOwner | null): Promise<void> {
  await symlink(target, at);
  if (owner !== null) await lchown(at, owner.uid, owner.gid);
}

/** Creates the WAL folder and queues each WAL file; a file missing from the archive stops the restore. */
async function queueWal(wal: NonNullable<RestoreCopyInput['wal']>, queue: LargestFirstQueue<QueuedCopy>, owner: FileOwner | null): Promise<void> {
  await mkdir(wal.folder, { recursive: true, mode: 0o700 });
  if (owner !== null) await chown(wal.folder, owner.uid, owner.gid);
  for (const name of wal.names) {
    const found = findArchivedWal(wal.walsDirectory, name);
    if (found === null) throw walMissing(name);
    const to = path.join(wal.folder, name);
    const size = (await lstat(found.file).catch((error: unknown) => { throw walMissing(name, error); })).size;
    queue.push({ kind: 'wal', size, run: () => copyWalFile(found, to, size, owner).catch((error: unknown) => { throw walMissing(name, error); }) });
  }
}

async function copyWalFile(found: ArchivedWalFile, to: string, archivedSize: number, owner: FileOwner | null): Promise<number> {
  let bytes = archivedSize;
  if (found.compression === 'none') {
    // Plain: copied by the kernel, then made private (the archive's mode need not be 0600).
    await copyFile(found.file, to, copyFlags);
    await chmod(to, 0o600);
  } else {
    const data = decompressWal(await readFile(found.file), found.compression);
    await writeFile(to, data, { mode: 0o600, flag: 'wx' });
    bytes = data.length;
  }
  if (owner !== null) await chown(to, owner.uid, owner.gid);
  return bytes;
}

/** An archived WAL file that vanished after the plan (ENOENT) is named as such; other errors stay as they are. */
function walMissing(name: string, error?: unknown): unknown {
  if (error !== undefined && (error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  return new EngineError('wal-missing', `wal file ${name} disappeared from the archive during the restore`,
    'retention or a person may have removed it: plan the restore again', error === undefined ? undefined : { cause: error });
}

/** Waits for every promise, then throws the first rejection: unlike Promise.all, nothing is left running behind a failure. */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}
