/**
 * The backup orchestrator: one server, one backup, start to finish. Owns the
 * store side (lock, temporary folder, manifest, fsync, atomic rename,
 * backup.json and the catalog in the same step, FAILED on error or cancel);
 * the method (rsync or postgres) only fills the data folder. Earlier backups
 * are never written into: reuse is by hard link, read-only.
 */
import { existsSync } from 'node:fs';
import type { BackupInfo } from '../../../shared/domain/backup';
import { BackupId, Lsn, type ServerName } from '../../../shared/domain/names';
import { EngineError, toErrorPayload } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import type { GlobalConfig, ServerConfig } from '../config/load';
import { optionSchema } from '../config/options';
import { assertBackupFits } from '../disk/fit-check';
import { sampleDiskUsage } from '../disk/usage-history';
import type { JobContext } from '../jobs/job-queue';
import { writeFileAtomic } from '../store/atomic-file';
import { writeBackupInfo } from '../store/backup-info-file';
import { readStoreIdentity, writeStoreIdentity } from '../store/identity-file';
import { backupFolder } from '../store/layout';
import { findArchivedWal } from '../wal/archive-store';
import { waitForArchivedWal } from '../wal/switch-wal';
import type { BackupMethodResult, BackupMethodRun, PreviousBackup } from './backup-method';
import {
  acquireBackupLock, allocateBackupId, cleanLeftovers, createIncomingFolder, publishIncoming, recordFailure, syncTree, writeIncomingInfo,
  type IncomingBackup,
} from './backup-folder';
import { storeDiskUsage } from './disk-usage';
import { manifestFilesByPath, readManifestFile, renderManifest } from './manifest';
import { runPostgresBackup } from './postgres/postgres-method';

export interface BackupDeps {
  catalog: Catalog;
  /** tells the doors that a server's backups changed */
  invalidate?: (server: ServerName) => void;
  now?: () => Date;
  /** disk_critical_free_percent, below which a backup refuses to start; the option's default when absent */
  global?: Pick<GlobalConfig, 'diskCriticalFreePercent'>;
}

export interface RunBackupOptions {
  name?: string | null;
  /** wait until the WAL that makes the backup consistent is archived */
  wait?: boolean;
  /** how long --wait waits; null or absent: no limit */
  waitTimeoutSeconds?: number | null;
  reuse?: 'off' | 'copy' | 'link';
  jobs?: number;
  /** the number of files stored so far, for progress displays */
  onFiles?: (count: number) => void;
}

export async function runBackup(deps: BackupDeps, server: ServerConfig, options: RunBackupOptions, ctx: JobContext): Promise<BackupInfo> {
  const now = deps.now ?? (() => new Date());
  const reuse = options.reuse ?? server.reuseBackup;
  const jobs = Math.max(1, options.jobs ?? server.parallelJobs);

  // 1. one backup (or delete) at a time per server; clean what crashed runs left; refuse a backup that will not fit
  const lock = acquireBackupLock(server.name, server, 'a backup');
  try {
    settleEarlierBackups(deps, server, now());
    // Before anything is written: a backup that will not fit fails here, harming nothing.
    await assertBackupFits(deps.catalog, server, reuse, deps.global?.diskCriticalFreePercent ?? optionSchema.disk_critical_free_percent.default);

    // 2. the id, the temporary folder, and STARTED in its backup.json and the catalog
    const startedAt = now();
    const taken = new Set(deps.catalog.listBackups(server.name).map((backup) => backup.backupId as string));
    const incoming = createIncomingFolder(server, allocateBackupId(server, startedAt, taken));
    let info = startedInfo(server, incoming.backupId, options.name ?? null, startedAt);
    writeIncomingInfo(incoming, info);
    record(deps, info, 'backup-started', `backup ${info.backupId} started (method ${server.backupMethod})`);
    ctx.log(`starting backup ${info.backupId} of server '${server.name}' (method ${server.backupMethod})`);

    try {
      // 3. the previous backup, whose identical files are reused
      const previous = reuse === 'off' ? null : findPreviousBackup(deps.catalog, server, ctx);

      // 4. the method fills the data folder
      let stored = 0;
      const method = await loadMethod(server.backupMethod);
      const result = await method({
        server, backupId: incoming.backupId, dataFolder: incoming.dataFolder, previous, reuse, parallelJobs: jobs, ctx,
        onFileStored: () => options.onFiles?.(++stored),
      });
      ctx.signal.throwIfAborted();

      // 5. manifest, fsync, final backup.json, then the rename that makes it visible
      info = await finishBackup(deps, server, incoming, info, result, { previous, wait: options.wait === true, jobs, ctx, startedAt });
    } catch (error) {
      const reason = ctx.signal.aborted ? 'cancelled' : toErrorPayload(error).message;
      const failed = recordFailure(server, info, reason, now());
      record(deps, failed, 'backup-failed', `backup ${failed.backupId} failed: ${reason}`);
      // The reason travels with the job's error; the log says what became of the backup.
      ctx.log(`backup ${failed.backupId} of server '${server.name}' is FAILED; its temporary data was removed`);
      throw describeFailure(error, ctx.signal, server.name);
    }

    // The server's facts, as this backup saw them (a server added in the editor learns them here too).
    deps.catalog.upsertServerFacts({ name: server.name, systemId: info.systemId, pgVersion: info.pgVersion, learntAt: (deps.now ?? (() => new Date()))().toISOString() });

    // 6. own bytes of this backup, and of the earlier ones it now shares files with
    ctx.progress({ phase: 'measuring' });
    const usage = await storeDiskUsage(deps.catalog, server);
    for (const updated of usage.changed) if (updated.backupId === info.backupId) info = updated;
    deps.invalidate?.(server.name);

    // 7. --wait: the end WAL in the archive, then DONE
    if (info.status === 'WAITING_FOR_WALS') info = await waitForEndWal(deps, server, info, options, ctx);
    // Today's usage sample, with the WAL --wait archived (the backups as just measured).
    await sampleDiskUsage(deps.catalog, server, now(), usage.measured).catch((error: unknown) =>
      ctx.log(`disk usage of server '${server.name}' was not recorded: ${toErrorPayload(error).message}`, 'warn'));
    ctx.log(`backup ${info.backupId} of server '${server.name}' is ${info.status}`);
    return info;
  } finally {
    lock.release();
  }
}

interface FinishContext {
  previous: PreviousBackup | null;
  wait: boolean;
  jobs: number;
  ctx: JobContext;
  startedAt: Date;
}

async function finishBackup(deps: BackupDeps, server: ServerConfig, incoming: IncomingBackup, started: BackupInfo,
  result: BackupMethodResult, finish: FinishContext): Promise<BackupInfo> {
  checkStoreIdentity(server, result);
  finish.ctx.progress({ phase: 'syncing' });
  await syncTree(incoming.dataFolder, Math.max(4, finish.jobs));
  const manifest = renderManifest(result.files, [{ timeline: result.timeline, startLsn: result.beginLsn, endLsn: result.endLsn }]);
  writeFileAtomic(`${incoming.folder}/backup_manifest`, manifest.text);
  const reused = result.files.filter((file) => file.reused);
  const endTime = (deps.now ?? (() => new Date()))();
  const info: BackupInfo = {
    ...started,
    status: finish.wait ? 'WAITING_FOR_WALS' : 'DONE',
    endTime: endTime.toISOString(),
    beginLsn: Lsn.parse(result.beginLsn),
    endLsn: Lsn.parse(result.endLsn),
    beginWal: result.beginWal,
    endWal: result.endWal,
    timeline: result.timeline,
    systemId: result.systemId,
    pgVersion: result.pgVersion,
    pgVersionNum: result.pgVersionNum,
    dataChecksums: result.dataChecksums,
    walSegmentSize: result.walSegmentSize,
    tablespaces: result.tablespaces,
    sizeBytes: result.files.reduce((sum, file) => sum + file.size, 0),
    files: result.files.length,
    reusedFiles: reused.length,
    reusedBytes: reused.reduce((sum, file) => sum + file.size, 0),
    reusedFrom: reused.length > 0 && finish.previous ? BackupId.parse(finish.previous.backupId) : null,
    bytesTransferred: result.bytesTransferred,
    durationSeconds: (endTime.getTime() - finish.startedAt.getTime()) / 1000,
    manifestChecksum: manifest.checksum,
  };
  writeIncomingInfo(incoming, info);
  publishIncoming(server, incoming);
  record(deps, info, 'backup-done', `backup ${info.backupId} finished: ${info.files} files, ${info.reusedFiles} reused from ${info.reusedFrom ?? 'none'}`);
  return info;
}

/** Barman's rule: one store holds one PostgreSQL system. The first backup teaches it. */
function checkStoreIdentity(server: ServerConfig, result: BackupMethodResult): void {
  const identity = readStoreIdentity(server);
  if (identity && identity.systemId !== result.systemId) {
    throw new EngineError('backup-failed',
      `server '${server.name}' now reaches system ${result.systemId}, but its store holds backups of system ${identity.systemId}`,
      'the cluster was re-created or conninfo points elsewhere: use a new server name, or move the old store aside');
  }
  if (!identity) writeStoreIdentity(server, { systemId: result.systemId, pgVersion: result.pgVersion, learntAt: new Date().toISOString() });
}

async function waitForEndWal(deps: BackupDeps, server: ServerConfig, info: BackupInfo, options: RunBackupOptions, ctx: JobContext): Promise<BackupInfo> {
  ctx.progress({ phase: 'waiting for wal' });
  ctx.log(`waiting for wal file ${info.endWal} to be archived`);
  const limit = options.waitTimeoutSeconds ?? null;
  try {
    await waitForArchivedWal(server, deps.catalog, info.endWal!, { timeoutMs: limit === null ? 2 ** 31 - 1 : limit * 1000, signal: ctx.signal });
  } catch (error) {
    if (error instanceof EngineError && error.code === 'wal-missing') {
      ctx.log(`${error.message}; backup ${info.backupId} stays WAITING_FOR_WALS until it is (the next backup checks again)`, 'warn');
      return info;
    }
    throw error;
  }
  const done: BackupInfo = { ...info, status: 'DONE' };
  writeBackupInfo(server, done);
  record(deps, done, 'backup-done', `backup ${done.backupId}: wal file ${done.endWal} is archived`);
  return done;
}

/** Leftovers of crashed runs become FAILED; WAITING_FOR_WALS backups whose end WAL has arrived become DONE. */
function settleEarlierBackups(deps: BackupDeps, server: ServerConfig, now: Date): void {
  const leftovers = cleanLeftovers(server, now);
  for (const failed of leftovers.failed) record(deps, failed, 'backup-failed', `backup ${failed.backupId} was interrupted; recorded as FAILED`);
  for (const backup of deps.catalog.listBackups(server.name)) {
    const onDisk = existsSync(backupFolder(server, backup.backupId));
    if (backup.status === 'STARTED' && !onDisk) {
      // The catalog saw it start, but neither a temporary nor a final folder survived.
      record(deps, recordFailure(server, backup, 'barkeep stopped while this backup ran', now), 'backup-failed',
        `backup ${backup.backupId} was interrupted; recorded as FAILED`);
    } else if (backup.status === 'WAITING_FOR_WALS' && onDisk && backup.endWal && findArchivedWal(server.walsDirectory, backup.endWal)) {
      const done: BackupInfo = { ...backup, status: 'DONE' };
      writeBackupInfo(server, done);
      record(deps, done, 'backup-done', `backup ${done.backupId}: wal file ${done.endWal} is archived`);
    }
  }
}

/** The newest complete backup with a readable manifest, or null (then every file is stored anew). */
function findPreviousBackup(catalog: Catalog, server: ServerConfig, ctx: JobContext): PreviousBackup | null {
  const candidates = catalog.listBackups(server.name).filter((backup) => backup.status === 'DONE' || backup.status === 'WAITING_FOR_WALS');
  const latest = candidates.at(-1);
  if (!latest) return null;
  const folder = backupFolder(server, latest.backupId);
  try {
    const manifest = readManifestFile(`${folder}/backup_manifest`);
    return { backupId: latest.backupId, dataFolder: `${folder}/data`, files: manifestFilesByPath(manifest) };
  } catch (error) {
    ctx.log(`backup ${latest.backupId} cannot be reused (${toErrorPayload(error).message}); every file is stored anew`, 'warn');
    return null;
  }
}

/** rsync is the other engineer's module, loaded on use: only rsync servers need its SSH transport. */
async function loadMethod(method: ServerConfig['backupMethod']): Promise<BackupMethodRun> {
  if (method === 'postgres') return runPostgresBackup;
  const { runRsyncBackup } = await import('./rsync/rsync-method');
  return runRsyncBackup;
}

function startedInfo(server: ServerConfig, backupId: string, name: string | null, startedAt: Date): BackupInfo {
  return {
    formatVersion: 1, server: server.name, backupId: BackupId.parse(backupId), name, status: 'STARTED', method: server.backupMethod,
    beginTime: startedAt.toISOString(), endTime: null, beginLsn: null, endLsn: null, beginWal: null, endWal: null, timeline: null,
    systemId: null, pgVersion: null, dataChecksums: null, sizeBytes: 0, ownBytes: null, walBytes: null, keep: null, error: null,
  };
}

/** backup.json first (the truth), then the catalog, then the doors: one step. */
function record(deps: BackupDeps, info: BackupInfo, kind: string, message: string): void {
  deps.catalog.upsertBackup(info);
  deps.catalog.recordEvent(info.server, kind, message);
  deps.invalidate?.(info.server);
}

function describeFailure(error: unknown, signal: AbortSignal, server: string): EngineError {
  if (signal.aborted) return new EngineError('cancelled', `the backup of server '${server}' was cancelled`);
  if (error instanceof EngineError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOSPC') return new EngineError('disk-full', `no space left for the backup of server '${server}': ${message}`, 'free space on the backup volume, or delete old backups');
  return new EngineError('backup-failed', `the backup of server '${server}' failed: ${message}`, 'read the job log, then take the backup again', { cause: error });
}
