/**
 * `verify-backup`: checks a stored backup against its backup_manifest twice,
 * by our own reading (manifest checksum, every file's presence, size and
 * SHA-256, no stray files) and by PostgreSQL's `pg_verifybackup -n` when the
 * binary is installed. Reads only; hashing honours the job's cancellation.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BackupInfo } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';
import type { ServerConfig } from '../config/load';
import { findPostgresBinDir } from '../postgres/bin-dir';
import { backupDataFolder, backupFolder } from '../store/layout';
import { readManifestFile } from './manifest';

export interface VerifyReport {
  server: string;
  backupId: string;
  ok: boolean;
  ours: { ok: boolean; manifestChecksumValid: boolean; filesChecked: number; bytesChecked: number; problems: string[] };
  pgVerifybackup: { status: 'passed' | 'failed' | 'not-installed'; binary: string | null; output: string };
}

/** What pg_verifybackup ignores by default in a backup folder. */
const ignoredPaths = ['backup_manifest', 'pg_wal', 'postgresql.auto.conf', 'recovery.signal', 'standby.signal'];
const maximumProblems = 50;

export async function verifyBackup(server: ServerConfig, backup: BackupInfo, opts: { signal?: AbortSignal; pgBinDir?: string | null } = {}): Promise<VerifyReport> {
  if (backup.status === 'FAILED' || backup.status === 'STARTED') {
    throw new EngineError('verify-failed', `backup ${backup.backupId} of server '${server.name}' is ${backup.status}: it holds no data to verify`,
      `pick a complete backup from \`barkeep list-backup ${server.name}\``);
  }
  const folder = backupFolder(server, backup.backupId);
  const manifestFile = path.join(folder, 'backup_manifest');
  const dataFolder = backupDataFolder(server, backup.backupId);
  const ours = await verifyAgainstManifest(manifestFile, dataFolder, opts.signal);
  const pgVerifybackup = await runPgVerifybackup(manifestFile, dataFolder, opts.pgBinDir ?? server.pgBinDir);
  return {
    server: server.name,
    backupId: backup.backupId,
    ok: ours.ok && pgVerifybackup.status !== 'failed',
    ours,
    pgVerifybackup,
  };
}

async function verifyAgainstManifest(manifestFile: string, dataFolder: string, signal?: AbortSignal): Promise<VerifyReport['ours']> {
  const problems: string[] = [];
  const manifest = readManifestFile(manifestFile);
  if (!manifest.checksumValid) problems.push('the manifest checksum does not match its content');
  let bytesChecked = 0;
  const listed = new Set<string>();
  for (const file of manifest.files) {
    signal?.throwIfAborted();
    listed.add(file.path);
    const problem = await checkFile(path.join(dataFolder, ...file.path.split('/')), file);
    if (problem) problems.push(`'${file.path}' ${problem}`);
    else bytesChecked += file.size;
  }
  for (const extra of await listFiles(dataFolder, '')) {
    if (!listed.has(extra) && !ignoredPaths.some((ignored) => extra === ignored || extra.startsWith(`${ignored}/`))) {
      problems.push(`'${extra}' is present on disk but not in the manifest`);
    }
  }
  const shown = problems.length > maximumProblems ? [...problems.slice(0, maximumProblems), `… and ${problems.length - maximumProblems} more`] : problems;
  return { ok: problems.length === 0, manifestChecksumValid: manifest.checksumValid, filesChecked: manifest.files.length, bytesChecked, problems: shown };
}

async function checkFile(file: string, expected: { size: number; checksumAlgorithm: string | null; checksum: string | null }): Promise<string | null> {
  let stats;
  try {
    stats = await lstat(file);
  } catch {
    return 'is missing';
  }
  if (!stats.isFile()) return 'is not a regular file';
  if (stats.size !== expected.size) return `has ${stats.size} bytes, the manifest says ${expected.size}`;
  if (expected.checksumAlgorithm !== 'SHA256' || expected.checksum === null) return null;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  return actual === expected.checksum ? null : `has checksum ${actual}, the manifest says ${expected.checksum}`;
}

async function listFiles(folder: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) found.push(...await listFiles(path.join(folder, entry.name), relative));
    else found.push(relative);
  }
  return found;
}

/** `pg_verifybackup -n` (no WAL parsing: the WAL is in Barkeep's archive, not in the backup). */
async function runPgVerifybackup(manifestFile: string, dataFolder: string, pgBinDir: string | null): Promise<VerifyReport['pgVerifybackup']> {
  const binary = findPgVerifybackup(pgBinDir);
  if (binary === null) return { status: 'not-installed', binary: null, output: 'pg_verifybackup was not found: only our own checks ran' };
  return new Promise((resolve) => {
    execFile(binary, ['-n', '-m', manifestFile, dataFolder], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      resolve({ status: error ? 'failed' : 'passed', binary, output: output || (error ? error.message : '') });
    });
  });
}

function findPgVerifybackup(pgBinDir: string | null): string | null {
  const folders: string[] = [];
  try {
    folders.push(findPostgresBinDir(pgBinDir));
  } catch {
    // No server binaries: pg_verifybackup may still be on PATH with the client tools.
  }
  folders.push(...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean));
  for (const folder of folders) {
    const candidate = path.join(folder, 'pg_verifybackup');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
