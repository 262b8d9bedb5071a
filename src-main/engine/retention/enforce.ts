/**
 * Enforcement of a server's retention policy (retention_policy_mode = auto):
 * judge the backups (policy.ts), delete the OBSOLETE ones, then the archived
 * WAL no remaining backup needs (wal-needs.ts, wal_retention_policy = main).
 * Runs under the server's backup lock, so no backup or delete runs meanwhile.
 * Each deleted backup is an event, and so is each WAL clean-up. A dry run
 * judges and plans the same way and deletes nothing.
 *
 * Order matters for safety: backups go first and WAL is planned again from
 * what is really left, so a backup whose removal failed keeps its WAL.
 */
import { readdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { BackupInfo } from '../../../shared/domain/backup';
import type { BackupId, ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import { deleteWalSegmentRows } from '../catalog/wal-queries';
import type { ServerConfig } from '../config/load';
import { acquireBackupLock, removeBackupFolder } from '../backup/backup-folder';
import { storeDiskUsage } from '../backup/disk-usage';
import { sampleDiskUsage } from '../disk/usage-history';
import { readBackupInfo } from '../store/backup-info-file';
import { backupInfoFile } from '../store/layout';
import { parseWalFileName, splitCompressionSuffix } from '../wal/segment-name';
import { evaluateRetention, type RetentionReport, type RetentionVerdict } from './policy';
import { formatPolicy } from './recovery-window';
import { planWalDeletion, type WalDeletionPlan } from './wal-needs';

export interface RetentionDeps {
  catalog: Catalog;
  invalidate?: (server: ServerName) => void;
}

export interface RetentionOptions {
  dryRun: boolean;
  now: Date;
}

export interface DeletedBackup {
  backupId: BackupId;
  reason: string;
  /** the bytes no other backup shared, as last measured */
  ownBytes: number | null;
}

export interface SkippedBackup {
  backupId: BackupId;
  why: string;
  /** true when the removal failed, false when the backup was rightly left (kept meanwhile) */
  failed: boolean;
}

export interface WalCleanup {
  /** file names as stored (with a compression suffix), sorted */
  deleted: string[];
  bytes: number;
  kept: number;
  keptBecause: WalDeletionPlan['keptBecause'];
  firstNeeded: string | null;
}

export interface RetentionRun {
  server: ServerName;
  dryRun: boolean;
  now: string;
  /** 'REDUNDANCY 2', 'RECOVERY WINDOW OF 7 DAYS', or null when no policy is set (nothing is deleted) */
  policy: string | null;
  minimumRedundancy: number;
  report: RetentionReport;
  /** deleted (or, in a dry run, would be deleted) */
  backups: DeletedBackup[];
  skipped: SkippedBackup[];
  wal: WalCleanup;
}

interface ArchivedFile {
  /** as stored, e.g. 000000010000000000000003.zst */
  storedName: string;
  full: string;
  size: number;
}

/**
 * Applies the server's retention policy once. Throws 'backup-in-use' when a
 * backup or delete holds the server's lock: the scheduler tries again later.
 */
export async function enforceRetention(deps: RetentionDeps, server: ServerConfig, options: RetentionOptions): Promise<RetentionRun> {
  const lock = acquireBackupLock(server.name, server, options.dryRun ? 'a retention dry run' : 'retention');
  try {
    // 1. judge every backup at `now`
    const report = evaluateRetention({
      backups: deps.catalog.listBackups(server.name),
      policy: server.retentionPolicy,
      minimumRedundancy: server.minimumRedundancy,
      now: options.now,
    });
    const run: RetentionRun = {
      server: server.name,
      dryRun: options.dryRun,
      now: options.now.toISOString(),
      policy: server.retentionPolicy === null ? null : formatPolicy(server.retentionPolicy),
      minimumRedundancy: server.minimumRedundancy,
      report,
      backups: [],
      skipped: [],
      wal: { deleted: [], bytes: 0, kept: 0, keptBecause: emptyKeptBecause(), firstNeeded: null },
    };
    // Without a policy nothing is obsolete, and WAL follows backups: nothing goes.
    if (server.retentionPolicy === null) return run;

    // 2. the obsolete backups, oldest first
    const verdicts = new Map(report.backups.map((verdict) => [verdict.backupId, verdict]));
    for (const backupId of [...report.obsolete].reverse()) {
      const verdict = verdicts.get(backupId)!;
      const outcome = options.dryRun ? describeDryRun(deps.catalog, server, verdict) : deleteObsoleteBackup(deps.catalog, server, verdict);
      if ('why' in outcome) run.skipped.push(outcome);
      else run.backups.push(outcome);
    }

    // 3. the WAL no remaining backup needs, planned from what is left
    const remaining = options.dryRun
      ? deps.catalog.listBackups(server.name).filter((backup) => !run.backups.some((gone) => gone.backupId === backup.backupId))
      : deps.catalog.listBackups(server.name);
    const files = listArchivedWal(server.walsDirectory);
    const plan = planWalDeletion({
      walFiles: files.map((file) => file.storedName),
      backups: remaining,
      retention: { backups: verdictsOfRemaining(remaining, verdicts) },
    });
    const deletable = new Set(plan.deletable);
    const doomed = files.filter((file) => deletable.has(file.storedName));
    run.wal = {
      deleted: plan.deletable,
      bytes: doomed.reduce((sum, file) => sum + file.size, 0),
      kept: plan.kept.length,
      keptBecause: plan.keptBecause,
      firstNeeded: plan.firstNeeded,
    };
    if (!options.dryRun && doomed.length > 0) removeWal(deps.catalog, server, doomed, run.wal);

    // 4. hard-linked neighbours own more now; the UI refreshes
    if (!options.dryRun && (run.backups.length > 0 || doomed.length > 0)) {
      const { measured } = await storeDiskUsage(deps.catalog, server);
      // The history's sample of today follows the store; a failed measurement never fails the enforcement.
      await sampleDiskUsage(deps.catalog, server, options.now, measured).catch((error: unknown) =>
        deps.catalog.recordEvent(server.name, 'disk-sample-failed', `disk usage after retention was not recorded: ${(error as Error).message}`));
      deps.invalidate?.(server.name);
    }
    return run;
  } finally {
    lock.release();
  }
}

/**
 * The verdicts WAL planning sees: a backup still present is remaining whatever
 * it was judged (an obsolete one whose removal failed keeps its WAL), except a
 * FAILED one, which never needed any. A backup judged after the report was made
 * counts as remaining too (planWalDeletion's default).
 */
function verdictsOfRemaining(remaining: readonly BackupInfo[], verdicts: ReadonlyMap<BackupId, RetentionVerdict>): RetentionVerdict[] {
  return remaining.flatMap((backup) => {
    const verdict = verdicts.get(backup.backupId);
    if (verdict === undefined) return [];
    return verdict.status === 'OBSOLETE' ? [{ ...verdict, status: 'VALID' as const }] : [verdict];
  });
}

function describeDryRun(catalog: Catalog, server: ServerConfig, verdict: RetentionVerdict): DeletedBackup | SkippedBackup {
  const backup = catalog.listBackups(server.name).find((candidate) => candidate.backupId === verdict.backupId);
  return { backupId: verdict.backupId, reason: verdict.reason, ownBytes: backup?.ownBytes ?? null };
}

/**
 * backup.json is read once more right before the removal: a keep set since the
 * verdict (by another process) wins, and so does a folder that is gone.
 */
function deleteObsoleteBackup(catalog: Catalog, server: ServerConfig, verdict: RetentionVerdict): DeletedBackup | SkippedBackup {
  let current: BackupInfo;
  try {
    current = readBackupInfo(backupInfoFile(server, verdict.backupId));
  } catch (error) {
    return { backupId: verdict.backupId, why: `its backup.json could not be read again (${(error as Error).message}); left in place`, failed: true };
  }
  if (current.keep !== null) return { backupId: verdict.backupId, why: `kept (target ${current.keep}) since it was judged`, failed: false };
  try {
    removeBackupFolder(server, verdict.backupId);
  } catch (error) {
    const message = `unable to delete obsolete backup ${verdict.backupId}: ${(error as Error).message}`;
    catalog.recordEvent(server.name, 'retention-failed', message);
    return { backupId: verdict.backupId, why: message, failed: true };
  }
  catalog.deleteBackup(server.name, verdict.backupId);
  catalog.recordEvent(server.name, 'backup-deleted', `backup ${verdict.backupId} deleted by the retention policy: ${verdict.reason}`);
  return { backupId: verdict.backupId, reason: verdict.reason, ownBytes: current.ownBytes };
}

/** Deletes the files, their catalog rows, and timeline+log folders left empty; then one event naming the range. */
function removeWal(catalog: Catalog, server: ServerConfig, doomed: readonly ArchivedFile[], cleanup: WalCleanup): void {
  const removed: ArchivedFile[] = [];
  try {
    for (const file of doomed) {
      try {
        unlinkSync(file.full);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      removed.push(file);
    }
  } finally {
    deleteWalSegmentRows(catalog, server.name, removed.map((file) => splitCompressionSuffix(file.storedName).name));
    for (const folder of new Set(removed.map((file) => path.dirname(file.full)))) removeIfEmpty(folder);
    if (removed.length > 0) {
      const first = removed[0]!.storedName;
      const last = removed.at(-1)!.storedName;
      catalog.recordEvent(server.name, 'wal-deleted',
        `${removed.length} WAL file${removed.length === 1 ? '' : 's'} deleted by the retention policy (${first}${removed.length > 1 ? ` … ${last}` : ''}): no remaining backup needs them; the oldest WAL kept for a backup is ${cleanup.firstNeeded ?? 'none'}`);
    }
    if (removed.length < doomed.length) {
      cleanup.deleted = removed.map((file) => file.storedName);
      cleanup.bytes = removed.reduce((sum, file) => sum + file.size, 0);
    }
  }
}

function removeIfEmpty(folder: string): void {
  try {
    rmdirSync(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}

/** Every file in the archive: history files at the top, segments and labels in their timeline+log folders. */
function listArchivedWal(walsDirectory: string): ArchivedFile[] {
  const files: ArchivedFile[] = [];
  const visit = (folder: string, storedName: string): void => {
    const full = path.join(folder, storedName);
    // A name that is not WAL (a stray temporary file) is planWalDeletion's 'unrecognised-name': kept.
    files.push({ storedName, full, size: statSync(full).size });
  };
  let entries;
  try {
    entries = readdirSync(walsDirectory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new EngineError('io-failed', `unable to list the WAL archive '${walsDirectory}': ${(error as Error).message}`);
  }
  for (const entry of entries) {
    if (entry.isFile()) visit(walsDirectory, entry.name);
    else if (entry.isDirectory() && /^[0-9A-F]{16}$/.test(entry.name)) {
      const folder = path.join(walsDirectory, entry.name);
      for (const name of readdirSync(folder)) {
        if (parseWalFileName(splitCompressionSuffix(name).name) !== null) visit(folder, name);
      }
    }
  }
  return files.sort((a, b) => (a.storedName < b.storedName ? -1 : a.storedName > b.storedName ? 1 : 0));
}

function emptyKeptBecause(): WalDeletionPlan['keptBecause'] {
  return { 'history-file': 0, 'needed-by-backup': 0, 'standalone-keep-range': 0, 'unrecognised-name': 0, 'no-full-backup-remains': 0, 'backup-begin-unknown': 0 };
}
