/**
 * A point-in-time restore into a folder on this machine, from a plan made by
 * plan.ts: safety checks, the copy (data, then WAL), the recovery settings,
 * ownership. Reads the store, writes only inside DEST, and on failure removes
 * what it wrote (also in relocated tablespace folders, which are checked empty first).
 */
import { chmod, chown, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { readManifestFile } from '../backup/manifest';
import type { JobContext } from '../jobs/job-queue';
import { isRoot, lookupClusterOwner } from '../postgres/local-cluster';
import { backupFolder, type StorePaths } from '../store/layout';
import { copyRestoreFiles } from './copy-restore';
import { checkDestEmpty, checkFreeSpace, checkNoPostmaster, readDestState } from './dest-checks';
import type { RestorePlan } from './plan';
import { checkTablespaceTarget, planTablespaces, renderTablespaceMap } from './tablespaces';
import { checkRestorablePath, recoverySignalFiles, restoredWalFolder, rewriteAutoConf, type RecoverySettingsOptions } from './recovery-settings';

export interface RestoreLocalOptions extends RecoverySettingsOptions {
  store: StorePaths;
  /** delete what DEST holds first (never when a postmaster runs there) */
  force?: boolean;
  /** check everything, write nothing */
  dryRun?: boolean;
  now?: () => Date;
  /** --tablespace NAME:PATH (NAME or oid → absolute PATH); unmapped tablespaces go back to their original location */
  tablespaces?: ReadonlyMap<string, string>;
}

export interface RestoreReport {
  plan: RestorePlan;
  dest: string;
  dryRun: boolean;
  copiedBytes: number;
  walFiles: number;
  durationSeconds: number;
  /** how to start the restored cluster */
  startCommand: string;
}

export async function restoreLocal(plan: RestorePlan, destInput: string, options: RestoreLocalOptions, ctx: JobContext): Promise<RestoreReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = Date.now();
  const dest = path.resolve(destInput);
  const source = path.join(backupFolder(options.store, plan.backup.backupId), 'data');

  // 1. checks that write nothing: path, tablespaces, DEST empty and idle, free space, the source
  ctx.progress({ phase: 'checking', bytesDone: 0, bytesTotal: plan.bytesToCopy });
  checkRestorablePath(dest);
  const tablespaces = planTablespaces(plan.backup.tablespaces ?? [], options.tablespaces ?? new Map(), dest, plan.backup.backupId);
  const tablespaceStates = tablespaces.map((space) => ({ space, ...checkTablespaceTarget(space) }));
  const state = readDestState(dest);
  if (state.exists) checkNoPostmaster(dest);
  checkDestEmpty(dest, state, options.force === true);
  await checkFreeSpace(dest, plan.bytesToCopy);
  if (!existsSync(source)) {
    throw new EngineError('backup-unknown', `the data folder of backup ${plan.backup.backupId} is missing: '${source}'`, 'run `barkeep rebuild-catalog`, then choose another backup');
  }
  const startCommand = `pg_ctl -D ${dest} start`;
  if (options.dryRun === true) {
    return { plan, dest, dryRun: true, copiedBytes: 0, walFiles: 0, durationSeconds: 0, startCommand };
  }

  try {
    // 2. an empty DEST (with --force, emptied)
    if (state.entries.length > 0) await emptyFolder(dest, state.entries);
    let lastReport = 0;
    const report = (bytesDone: number, phase: string, force = false): void => {
      if (!force && Date.now() - lastReport < 200) return;
      lastReport = Date.now();
      ctx.progress({ phase, bytesDone, bytesTotal: plan.bytesToCopy });
    };
    // 3. the data folder and, among its files, the WAL recovery needs, decompressed, where restore_command reads it
    //    (with --get-wal none: restore_command fetches it)
    const walNames = options.getWalCommand === undefined ? [...plan.historyFiles, ...plan.walSegments] : [];
    const wal = walNames.length === 0 ? null : { walsDirectory: options.store.walsDirectory, names: walNames, folder: path.join(dest, restoredWalFolder) };
    const relocate = new Map(tablespaces.map((space) => [`pg_tblspc/${space.oid}`, space.target]));
    // As root, the copy hands everything it makes to the cluster owner as it goes (no second walk over the tree).
    const owner = isRoot() ? await lookupClusterOwner() : null;
    const phase = wal === null ? 'copying data' : 'copying data and wal';
    const knownSizes = readManifestSizes(path.dirname(source));
    const { dataBytes, walBytes } = await copyRestoreFiles({ source, dest, relocate, owner, wal, knownSizes }, ctx.signal, (done) => report(done, phase));
    // PostgreSQL recreates pg_tblspc/<oid> from tablespace_map at startup: it must name where each one now is.
    if (tablespaces.length > 0) await writeFile(path.join(dest, 'tablespace_map'), renderTablespaceMap(tablespaces), { mode: 0o600 });
    report(dataBytes + walBytes, 'configuring recovery', true);

    // 4. recovery settings, recovery.signal (standby.signal in standby mode); archiving off in the copy
    const written = await writeRecoveryFiles(plan, dest, now(), options);

    // 5. the data folder belongs to the cluster owner, 0700 (the copy chowned what it made; these are the files written here)
    await chmod(dest, 0o700);
    if (owner !== null) {
      const ownFiles = [dest, ...written, ...(tablespaces.length > 0 ? [path.join(dest, 'tablespace_map')] : [])];
      for (const file of ownFiles) await chown(file, owner.uid, owner.gid);
    }
    ctx.log(`restored backup ${plan.backup.backupId} of server '${plan.server}' into '${dest}' (${walNames.length} wal files)`);
    return {
      plan, dest, dryRun: false, copiedBytes: dataBytes + walBytes, walFiles: walNames.length,
      durationSeconds: (Date.now() - startedAt) / 1000, startCommand,
    };
  } catch (error) {
    // A half restore must not look usable: remove what was written (DEST was empty or emptied).
    if (!state.exists) await rm(dest, { recursive: true, force: true }).catch(() => undefined);
    else await emptyFolder(dest, await readdir(dest)).catch(() => undefined);
    for (const { space, exists } of tablespaceStates) {
      if (!exists) await rm(space.target, { recursive: true, force: true }).catch(() => undefined);
      else await emptyFolder(space.target, await readdir(space.target).catch(() => [])).catch(() => undefined);
    }
    throw error;
  }
}

/** Writes postgresql.auto.conf and the signal file; returns the files written. */
async function writeRecoveryFiles(plan: RestorePlan, dest: string, at: Date, options: RecoverySettingsOptions): Promise<string[]> {
  const autoConfFile = path.join(dest, 'postgresql.auto.conf');
  const autoConf = await readFile(autoConfFile, 'utf8').catch(() => '');
  const postgresqlConf = await readFile(path.join(dest, 'postgresql.conf'), 'utf8').catch(() => '');
  const settings = { standby: options.standby, getWalCommand: options.getWalCommand };
  await writeFile(autoConfFile, rewriteAutoConf(autoConf, postgresqlConf, plan.target, dest, at.toISOString(), plan.backup.backupId, settings), { mode: 0o600 });
  const signal = recoverySignalFiles(options);
  await writeFile(path.join(dest, signal.write), '', { mode: 0o600 });
  await rm(path.join(dest, signal.remove), { force: true });
  return [autoConfFile, path.join(dest, signal.write)];
}

/** The sizes backup_manifest lists, by path in the data folder; empty when the backup has no readable manifest (the copy then stats each file). */
function readManifestSizes(backupDir: string): Map<string, number> {
  const file = path.join(backupDir, 'backup_manifest');
  if (!existsSync(file)) return new Map();
  try {
    return new Map(readManifestFile(file).files.map((entry) => [entry.path, entry.size]));
  } catch {
    // Only an optimisation: `barkeep verify-backup` is where a damaged manifest is reported.
    return new Map();
  }
}

async function emptyFolder(dest: string, entries: readonly string[]): Promise<void> {
  for (const entry of entries) await rm(path.join(dest, entry), { recursive: true, force: true });
}
