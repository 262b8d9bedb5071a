/**
 * The life of a backup folder in the store: the per-server backup lock, id
 * allocation, the temporary `.incoming-<id>` folder, fsync of a whole tree, the
 * atomic finish (rename into place, fsync base/), FAILED records, and the
 * cleanup of what crashed or failed runs left. Never writes inside a finished
 * backup's data folder; a finished folder only ever gets a new backup.json.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BackupInfo } from '../../../shared/domain/backup';
import { BackupId } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import { fsyncFolder, writeFileAtomic } from '../store/atomic-file';
import { readBackupInfo, writeBackupInfo } from '../store/backup-info-file';
import { backupFolder, baseFolder, inProgressPrefix, type StorePaths } from '../store/layout';
import { syncVolume } from '../store/volume-sync';

export interface IncomingBackup {
  backupId: string;
  /** <base>/.incoming-<id> */
  folder: string;
  /** <base>/.incoming-<id>/data */
  dataFolder: string;
}

export interface BackupLock {
  release(): void;
}

export interface LeftoverReport {
  /** ids of interrupted backups now recorded as FAILED */
  failed: BackupInfo[];
  /** temporary folders removed */
  removed: string[];
}

const deletingPrefix = '.deleting-';

/** One backup or delete at a time per server: <backup_directory>/backup.lock (pid, host, start). A dead holder's lock is taken over. */
export function acquireBackupLock(server: string, paths: StorePaths, purpose: string): BackupLock {
  mkdirSync(paths.backupDirectory, { recursive: true, mode: 0o700 });
  const file = path.join(paths.backupDirectory, 'backup.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), purpose, startedAt: new Date().toISOString() }));
      fsyncSync(fd);
      closeSync(fd);
      let released = false;
      return {
        release: () => {
          if (!released) rmSync(file, { force: true });
          released = true;
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLockHolder(file);
      if (holder) {
        throw new EngineError('backup-in-use', `server '${server}' is busy: ${holder.purpose} runs (pid ${holder.pid}, since ${holder.startedAt})`,
          'wait until it ends, or cancel it');
      }
      rmSync(file, { force: true });
    }
  }
  throw new EngineError('backup-in-use', `unable to take the backup lock of server '${server}' ('${file}')`, 'remove the file if no backup runs');
}

/** YYYYMMDDTHHMMSS of `now` in UTC, moved on by a second while a folder of that name exists. */
export function allocateBackupId(paths: StorePaths, now: Date, taken: ReadonlySet<string> = new Set()): string {
  for (let offset = 0; ; offset += 1) {
    const id = formatBackupId(new Date(now.getTime() + offset * 1000));
    const used = taken.has(id) || existsSync(backupFolder(paths, id)) || existsSync(incomingFolderOf(paths, id));
    if (!used) return id;
  }
}

export function formatBackupId(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

export function incomingFolderOf(paths: StorePaths, backupId: string): string {
  return path.join(baseFolder(paths), `${inProgressPrefix}${backupId}`);
}

/** Creates <base>/.incoming-<id>/data (0700), durably. */
export function createIncomingFolder(paths: StorePaths, backupId: string): IncomingBackup {
  const base = baseFolder(paths);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const folder = incomingFolderOf(paths, backupId);
  const dataFolder = path.join(folder, 'data');
  mkdirSync(dataFolder, { recursive: true, mode: 0o700 });
  fsyncFolder(folder);
  fsyncFolder(base);
  return { backupId, folder, dataFolder };
}

/** backup.json inside the temporary folder: the record of a backup that is not visible yet. */
export function writeIncomingInfo(incoming: IncomingBackup, info: BackupInfo): void {
  writeFileAtomic(path.join(incoming.folder, 'backup.json'), `${JSON.stringify(BackupInfo.parse(info), null, 2)}\n`);
}

/**
 * Makes everything under `root` durable. On Linux one syncfs(2) of its volume
 * (coreutils `sync -f`, through store/volume-sync.ts) writes back every dirty
 * page with one journal commit, which is far cheaper than an fsync per file
 * (PostgreSQL 16's --sync-method=syncfs does the same); since Linux 5.8 it
 * reports writeback errors. Elsewhere, or when that fails: every file and
 * folder is fsynced (folders after their contents), a few at a time.
 */
export async function syncTree(root: string, concurrency: number): Promise<void> {
  if (await syncVolume(root)) return;
  await syncEachFile(root, concurrency);
}

async function syncEachFile(root: string, concurrency: number): Promise<void> {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.push(full);
    }
    folders.push(folder);
  };
  await walk(root);
  const syncOne = async (file: string): Promise<void> => {
    const handle = await open(file, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < files.length; index = next++) await syncOne(files[index]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  for (const folder of folders) await syncOne(folder);
}

/** The commit point: .incoming-<id> becomes <id>, and base/ is fsynced so the rename survives a crash. */
export function publishIncoming(paths: StorePaths, incoming: IncomingBackup): string {
  const target = backupFolder(paths, incoming.backupId);
  if (existsSync(target)) {
    throw new EngineError('backup-failed', `backup folder '${target}' exists already`, 'another backup took this id: take the backup again');
  }
  renameSync(incoming.folder, target);
  fsyncFolder(baseFolder(paths));
  return target;
}

/**
 * Records a failed backup: its temporary data goes, and a folder holding only
 * backup.json (status FAILED, the error) stays visible, as Barman keeps failed backups listed.
 */
export function recordFailure(paths: StorePaths, info: BackupInfo, error: string, now: Date): BackupInfo {
  const failed: BackupInfo = { ...info, status: 'FAILED', endTime: info.endTime ?? now.toISOString(), error };
  rmSync(incomingFolderOf(paths, info.backupId), { recursive: true, force: true });
  writeBackupInfo(paths, failed);
  fsyncFolder(baseFolder(paths));
  return failed;
}

/**
 * Under the backup lock, so nothing here is in use: a `.incoming-<id>` left by
 * a crash is removed and, when it had written its backup.json, recorded as
 * FAILED; `.deleting-<id>` folders of interrupted deletes are finished; a
 * visible backup still STARTED (not possible since the atomic finish, but
 * older or hand-made folders) becomes FAILED.
 */
export function cleanLeftovers(paths: StorePaths, now: Date): LeftoverReport {
  const report: LeftoverReport = { failed: [], removed: [] };
  const base = baseFolder(paths);
  let names: string[];
  try {
    names = readdirSync(base);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw error;
  }
  for (const name of names) {
    const full = path.join(base, name);
    if (name.startsWith(inProgressPrefix)) {
      const info = readInfoIfAny(path.join(full, 'backup.json'));
      const backupId = name.slice(inProgressPrefix.length);
      if (info && BackupId.safeParse(backupId).success && !existsSync(backupFolder(paths, backupId))) {
        report.failed.push(recordFailure(paths, info, info.error ?? 'barkeep stopped while this backup ran', now));
      } else {
        rmSync(full, { recursive: true, force: true });
      }
      report.removed.push(full);
    } else if (name.startsWith(deletingPrefix)) {
      rmSync(full, { recursive: true, force: true });
      report.removed.push(full);
    } else if (BackupId.safeParse(name).success) {
      const info = readInfoIfAny(path.join(full, 'backup.json'));
      if (info?.status === 'STARTED') {
        const failed: BackupInfo = { ...info, status: 'FAILED', endTime: info.endTime ?? now.toISOString(), error: 'barkeep stopped while this backup ran' };
        writeBackupInfo(paths, failed);
        report.failed.push(failed);
      }
    }
  }
  if (report.removed.length > 0) fsyncFolder(base);
  return report;
}

/** Moves a finished backup out of sight first (an atomic rename), then removes it; an interrupted removal is finished by cleanLeftovers. */
export function removeBackupFolder(paths: StorePaths, backupId: string): void {
  const folder = backupFolder(paths, backupId);
  const doomed = path.join(baseFolder(paths), `${deletingPrefix}${backupId}`);
  if (!existsSync(folder)) return;
  renameSync(folder, doomed);
  fsyncFolder(baseFolder(paths));
  // Removing a hard link only drops this backup's name for the data; other backups keep theirs.
  rmSync(doomed, { recursive: true, force: true });
}

function readInfoIfAny(file: string): BackupInfo | null {
  if (!existsSync(file)) return null;
  try {
    return readBackupInfo(file);
  } catch {
    return null;
  }
}

function readLockHolder(file: string): { pid: number; purpose: string; startedAt: string } | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string; purpose: string; startedAt: string };
    if (holder.host !== os.hostname()) return holder;
    process.kill(holder.pid, 0);
    return holder;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? { pid: -1, purpose: 'another process', startedAt: 'unknown' } : null;
  }
}
