/**
 * Disk usage of a server's store, counting a hard-linked file once: every
 * backup's data folder is walked and files grouped by inode, so a backup's own
 * bytes are the files no other backup shares, and the server's backup bytes
 * count each inode once. Plus the WAL archive's bytes and the volume's free
 * space. Only storeDiskUsage writes: the figures into each backup.json and the
 * catalog; it hands its measurement on, so the day's sample after a backup
 * walks the store once.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { readdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { BackupInfo } from '../../../shared/domain/backup';
import { BackupId } from '../../../shared/domain/names';
import type { Catalog } from '../catalog/catalog';
import { createTurnTaker } from '../process/event-loop-turns';
import { readBackupInfo, writeBackupInfo } from '../store/backup-info-file';
import { backupDataFolder, backupInfoFile, baseFolder, type StorePaths } from '../store/layout';

export interface StoredFile {
  backupId: string;
  dev: number;
  ino: number;
  size: number;
  nlink: number;
}

export interface BackupUsage {
  backupId: string;
  /** every file of the backup, shared or not */
  totalBytes: number;
  /** files no other backup links to */
  ownBytes: number;
  files: number;
  sharedFiles: number;
}

/** Every backup of a server, measured together (what storeDiskUsage hands on to the day's sample). */
export interface BackupsMeasurement {
  backups: Map<string, BackupUsage>;
  /** all backups, a hard-linked file counted once */
  uniqueBytes: number;
}

export interface VolumeSpace {
  totalBytes: number;
  /** what an unprivileged writer may still use */
  freeBytes: number;
}

export interface ServerDiskUsage {
  server: string;
  backups: BackupUsage[];
  /** all backups, a hard-linked file counted once */
  backupsBytes: number;
  walBytes: number;
  volume: VolumeSpace | null;
}

/**
 * Groups files by inode: an inode referenced by one backup only, and with no
 * links outside the walked backups (nlink), belongs to it; any other is shared.
 */
export function computeBackupUsage(files: Iterable<StoredFile>): BackupsMeasurement {
  const inodes = new Map<string, { size: number; nlink: number; owners: Map<string, number> }>();
  const backups = new Map<string, BackupUsage>();
  for (const file of files) {
    const usage = backups.get(file.backupId) ?? { backupId: file.backupId, totalBytes: 0, ownBytes: 0, files: 0, sharedFiles: 0 };
    usage.totalBytes += file.size;
    usage.files += 1;
    backups.set(file.backupId, usage);
    const key = `${file.dev}:${file.ino}`;
    const inode = inodes.get(key) ?? { size: file.size, nlink: file.nlink, owners: new Map<string, number>() };
    inode.owners.set(file.backupId, (inode.owners.get(file.backupId) ?? 0) + 1);
    inodes.set(key, inode);
  }
  let uniqueBytes = 0;
  for (const inode of inodes.values()) {
    uniqueBytes += inode.size;
    const references = [...inode.owners.values()].reduce((sum, count) => sum + count, 0);
    const [onlyOwner] = inode.owners.keys();
    const own = inode.owners.size === 1 && inode.nlink <= references;
    for (const [backupId, count] of inode.owners) {
      const usage = backups.get(backupId)!;
      if (own && backupId === onlyOwner) usage.ownBytes += inode.size;
      else usage.sharedFiles += count;
    }
  }
  return { backups, uniqueBytes };
}

/**
 * Walks the data folder of every finished or failed backup of the server
 * (temporary ones are skipped): the files its size counts, so its own bytes
 * never exceed it. backup.json and backup_manifest beside it (a few kB, ~200
 * bytes per file) are left out.
 */
export async function measureBackups(paths: StorePaths): Promise<BackupsMeasurement> {
  const files: StoredFile[] = [];
  let names: string[];
  try {
    names = await readdir(baseFolder(paths));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { backups: new Map(), uniqueBytes: 0 };
    throw error;
  }
  for (const name of names.filter((candidate) => BackupId.safeParse(candidate).success).sort()) {
    await walkFiles(backupDataFolder(paths, name), (stats) => {
      files.push({ backupId: name, dev: stats.dev, ino: stats.ino, size: stats.size, nlink: stats.nlink });
    });
  }
  const usage = computeBackupUsage(files);
  for (const name of names) {
    if (BackupId.safeParse(name).success && !usage.backups.has(name)) {
      usage.backups.set(name, { backupId: name, totalBytes: 0, ownBytes: 0, files: 0, sharedFiles: 0 });
    }
  }
  return usage;
}

/** `backupsMeasured`: a measurement of the backups just taken (storeDiskUsage's), so they are not walked again. */
export async function measureServerDiskUsage(server: StorePaths & { name: string }, backupsMeasured?: BackupsMeasurement): Promise<ServerDiskUsage> {
  const { backups, uniqueBytes } = backupsMeasured ?? await measureBackups(server);
  return {
    server: server.name,
    backups: [...backups.values()],
    backupsBytes: uniqueBytes,
    walBytes: await measureFolderBytes(server.walsDirectory),
    volume: await measureVolume(server.backupDirectory),
  };
}

/**
 * Measures every backup of the server and stores ownBytes (and sizeBytes when
 * unknown) where they changed: a new backup that links to an older one lowers
 * the older one's own bytes, a deleted one raises its neighbours'. Returns the
 * backups it updated, and the measurement for sampleDiskUsage.
 */
export async function storeDiskUsage(catalog: Catalog, server: StorePaths & { name: string }): Promise<{ changed: BackupInfo[]; measured: BackupsMeasurement }> {
  const measured = await measureBackups(server);
  const { backups } = measured;
  const changed: BackupInfo[] = [];
  for (const usage of backups.values()) {
    const file = backupInfoFile(server, usage.backupId);
    if (!existsSync(file)) continue;
    const info = readBackupInfo(file);
    if (info.status === 'FAILED' || info.ownBytes === usage.ownBytes) continue;
    const updated: BackupInfo = { ...info, ownBytes: usage.ownBytes };
    writeBackupInfo(server, updated);
    catalog.upsertBackup(updated);
    changed.push(updated);
  }
  return { changed, measured };
}

/**
 * Barman's "WAL Size" of each backup: the archived WAL from its begin WAL up to
 * the next complete backup's (or to the end of the archive), from the catalog's index.
 */
export function measureWalSinceBackups(catalog: Catalog, server: string, backups: readonly BackupInfo[]): Map<string, number> {
  const sizes = new Map<string, number>();
  const starts = backups.filter((backup) => backup.beginWal !== null && (backup.status === 'DONE' || backup.status === 'WAITING_FOR_WALS'))
    .sort((a, b) => (a.backupId < b.backupId ? -1 : 1));
  const query = catalog.db.prepare('SELECT COALESCE(SUM(size_bytes), 0) FROM wal_segments WHERE server = ? AND name >= ? AND name < ?').pluck();
  starts.forEach((backup, index) => {
    const next = starts[index + 1]?.beginWal ?? 'G';
    sizes.set(backup.backupId, Number(query.get(server, backup.beginWal, next)));
  });
  return sizes;
}

/** Apparent size of the files under `folder` (0 when it does not exist). */
export async function measureFolderBytes(folder: string): Promise<number> {
  let total = 0;
  await walkFiles(folder, (stats) => {
    total += stats.size;
  });
  return total;
}

/** The volume holding `folder` (or its nearest existing parent). */
export async function measureVolume(folder: string): Promise<VolumeSpace | null> {
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    try {
      const stats = await statfs(current);
      return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || current === path.dirname(current)) return null;
    }
  }
}

/**
 * The longest the walk holds the event loop between two turns. It stats
 * synchronously: with the inodes cached (as after a backup) one lstat is a few
 * microseconds, less than a trip through the thread pool (981 files: 11-19 ms
 * → ~5 ms); on a cold disk it yields after a few stats instead of hundreds.
 */
const turnMs = 8;

async function walkFiles(root: string, visit: (stats: { dev: number; ino: number; size: number; nlink: number }) => void): Promise<void> {
  const folders = [root];
  const takeTurn = createTurnTaker(turnMs);
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      // Gone since its parent was read (a delete or a WAL cleanup running meanwhile): nothing to count.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    for (const entry of entries) {
      const entryPath = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        folders.push(entryPath);
        continue;
      }
      if (!entry.isFile()) continue;
      const stats = lstatSync(entryPath, { throwIfNoEntry: false });
      if (stats) visit(stats);
      await takeTurn();
    }
  }
}
