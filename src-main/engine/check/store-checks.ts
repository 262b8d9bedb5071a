/**
 * Checks of this machine's side of the store: the server's folders (created
 * when missing, as Barman does, then proven writable), the WAL compression
 * codec, and free space on the backup volume against the global thresholds.
 */
import { mkdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerConfig } from '../config/load';
import { formatBytes } from './age';
import { always, failed, passed, type CheckDefinition } from './model';

const storeFolders = [
  ['backup_directory', 'backupDirectory'],
  ['wals_directory', 'walsDirectory'],
  ['incoming_wals_directory', 'incomingWalsDirectory'],
  ['streaming_wals_directory', 'streamingWalsDirectory'],
  ['errors_directory', 'errorsDirectory'],
] as const satisfies readonly (readonly [string, keyof ServerConfig])[];

export const directoriesCheck: CheckDefinition = {
  name: 'directories',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    for (const [option, field] of storeFolders) {
      const folder = ctx.server[field];
      const problem = await proveWritable(folder);
      if (problem !== null) {
        return failed(`'${folder}' (${option}) ${problem}`,
          `give ${os.userInfo().username} write access to '${folder}', or set ${option} in ${ctx.server.file} to a folder it can write`);
      }
    }
    return passed();
  },
};

/** Creates the folder when missing and writes and removes a probe file; returns what is wrong, or null. */
async function proveWritable(folder: string): Promise<string | null> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    if (!(await stat(folder)).isDirectory()) return 'is not a folder';
    const probe = path.join(folder, `.barkeep-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return 'is not a folder';
    return `is not writable (${code ?? (error as Error).message})`;
  }
}

export const compressionCheck: CheckDefinition = {
  name: 'compression settings',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const compression = ctx.server.compression;
    if (compression === 'none') return passed();
    try {
      // Imported here, not at the top: a codec that fails to load must fail this check, not the command.
      const { compressWal, decompressWal } = await import('../wal/compression');
      const sample = Buffer.from(Array.from({ length: 65_536 }, (_, index) => (index * 31) % 251));
      if (!decompressWal(compressWal(sample, compression), compression).equals(sample)) throw new Error('a round trip changed the data');
      return passed();
    } catch (error) {
      return failed(`compression = ${compression} does not work here: ${(error as Error).message}`,
        `set compression = gzip (or none) in ${ctx.server.file}${compression === 'zstd' ? ', or reinstall Barkeep so that zstd-napi builds' : ''}`);
    }
  },
};

export const freeDiskSpaceCheck: CheckDefinition = {
  name: 'free disk space',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const folder = await nearestExisting(ctx.server.backupDirectory);
    const volume = await statfs(folder);
    const total = volume.blocks * volume.bsize;
    const free = volume.bavail * volume.bsize;
    const percent = total > 0 ? (free / total) * 100 : 0;
    const detail = `${percent.toFixed(0)}% free, ${formatBytes(free)} of ${formatBytes(total)} on the volume of '${folder}'`;
    const { diskCriticalFreePercent: critical, diskWarningFreePercent: warning } = ctx.global;
    const hint = (level: string, value: number): string =>
      `free space on that volume or move backup_directory (${ctx.server.file}) to a larger one; ${level} is ${value}% (barkeep.conf)`
        + (level === 'disk_critical_free_percent' ? ': below it backups refuse to start' : '');
    if (percent < critical) return failed(detail, hint('disk_critical_free_percent', critical), 'critical');
    if (percent < warning) return failed(detail, hint('disk_warning_free_percent', warning), 'warning');
    return passed(detail);
  },
};

async function nearestExisting(folder: string): Promise<string> {
  for (let candidate = path.resolve(folder); ; candidate = path.dirname(candidate)) {
    try {
      await stat(candidate);
      return candidate;
    } catch {
      if (path.dirname(candidate) === candidate) return candidate;
    }
  }
}
