/**
 * One way to turn a restore request into engine work, shared by `barkeep
 * restore`, `barkeep drill` and the app's restore composer: the plan from the
 * catalog and the store's WAL archive (with this machine's measured copy rate
 * and the restore points found in the archived WAL),
 * the local-or-SSH restore runner with its checks-only dry run, and the drill
 * options. The doors parse their own input into these; nothing here prints.
 */
import path from 'node:path';
import type { DrillRequest, RestoreDestination, RestorePlanRequest, RestoreTargetChoice, TablespaceMapping } from '../../../shared/domain/restore';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import { saveDrill } from '../catalog/drill-queries';
import { findRestorePoints } from '../catalog/restore-point-queries';
import type { GlobalConfig, ServerConfig } from '../config/load';
import type { JobContext } from '../jobs/job-queue';
import { findPostgresBinDir } from '../postgres/bin-dir';
import { parseConninfo } from '../postgres/conninfo';
import { readWalArchiveView } from './archive-view';
import type { DrillOptions } from './drill';
import { planRestore, type RestorePlan } from './plan';
import { restoreLocal, type RestoreReport } from './restore-local';
import { restoreRemote } from './restore-remote';
import { parseTablespaceOptions } from './tablespaces';
import { parseRecoveryTarget, type RecoveryTarget, type RecoveryTargetInput } from './target';
import { estimateRestoreThroughput, readRestoreMeasurements } from './throughput-estimate';

/** Plans a restore of `server` to `target` from the backup `selector` names (null or 'latest': the planner chooses). */
export function planServerRestore(catalog: Catalog, server: ServerConfig, selector: string | null, target: RecoveryTarget): RestorePlan {
  const backups = catalog.listBackups(server.name);
  const segmentSizeHint = backups.find((backup) => backup.walSegmentSize)?.walSegmentSize ?? null;
  const throughput = estimateRestoreThroughput(readRestoreMeasurements(catalog, server.name, backups));
  const restorePoints = target.kind === 'name' ? findRestorePoints(catalog, server.name, target.name) : [];
  return planRestore({
    server: server.name, backups, archive: readWalArchiveView(server.walsDirectory, segmentSizeHint), target, backupSelector: selector, throughput, restorePoints,
  });
}

/** The plan of a restore or drill composed in the app: its target parsed as the command line's --target-* options are. */
export function planComposedRestore(catalog: Catalog, server: ServerConfig, request: DrillRequest | RestorePlanRequest): RestorePlan {
  const target = parseRecoveryTarget(recoveryTargetInputOf(request.target, request));
  return planServerRestore(catalog, server, request.backup, target);
}

/** The composer's target as the command line's --target-* options would give it (parseRecoveryTarget checks it). */
export function recoveryTargetInputOf(choice: RestoreTargetChoice, fields: { timeline: 'latest' | 'current' | number; action: string; exclusive: boolean }): RecoveryTargetInput {
  const common = { timeline: String(fields.timeline), action: fields.action, exclusive: fields.exclusive };
  switch (choice.kind) {
    case 'latest': return common;
    case 'time': return { ...common, time: choice.time };
    case 'xid': return { ...common, xid: choice.xid };
    case 'lsn': return { ...common, lsn: choice.lsn };
    case 'name': return { ...common, name: choice.name };
    case 'immediate': return { ...common, immediate: true };
  }
}

export interface RestoreRunOptions {
  server: ServerConfig;
  /** delete what DEST holds first (the command line's --force; the app never sets it) */
  force?: boolean;
  standby?: boolean;
  /** --get-wal: the restore_command that fetches WAL from Barkeep; absent: the WAL is copied into DEST */
  getWalCommand?: string;
  /** tablespace name or oid → absolute path */
  tablespaces?: ReadonlyMap<string, string>;
  /** restore on another host through this OpenSSH command line; absent: on this machine */
  sshCommand?: string;
}

/** Runs the restore of `plan` into `dest`: `dryRun` checks everything and writes nothing. */
export type RestoreRun = (dryRun: boolean, ctx: JobContext) => Promise<RestoreReport>;

export function prepareRestoreRun(plan: RestorePlan, dest: string, options: RestoreRunOptions): RestoreRun {
  const common = {
    store: options.server, force: options.force === true, standby: options.standby === true,
    ...(options.getWalCommand === undefined ? {} : { getWalCommand: options.getWalCommand }),
    tablespaces: options.tablespaces ?? new Map<string, string>(),
  };
  const { sshCommand } = options;
  return (dryRun, ctx) => (sshCommand === undefined
    ? restoreLocal(plan, dest, { ...common, dryRun }, ctx)
    : restoreRemote(plan, dest, { ...common, dryRun, sshCommand, parallelJobs: options.server.parallelJobs }, ctx));
}

/**
 * The runner of a restore composed in the app: never --force, no standby or --get-wal; tablespace rows as
 * --tablespace NAME:PATH (a row without a path leaves that tablespace at its original location). A local folder must be
 * absolute: the engine's working folder means nothing to the person at the window.
 */
export function prepareComposedRun(plan: RestorePlan, server: ServerConfig, destination: RestoreDestination, tablespaces: readonly TablespaceMapping[]): RestoreRun {
  if (destination.kind === 'local' && !path.isAbsolute(destination.path)) {
    throw new EngineError('usage', `the destination '${destination.path}' is not an absolute path`, 'give the full path of an empty or new folder, e.g. /var/lib/postgresql/restore');
  }
  if (destination.kind === 'ssh' && !path.posix.isAbsolute(destination.path)) {
    // restoreRemote refuses it too, but only once connected; the composer's preview should not wait for that.
    throw new EngineError('usage', `the remote destination '${destination.path}' is not an absolute path`, 'give the full path of the folder on the remote host, e.g. /var/lib/postgresql/restore');
  }
  const mapping = parseTablespaceOptions(tablespaceOptionsOf(tablespaces));
  return prepareRestoreRun(plan, destination.path, {
    server, tablespaces: mapping, ...(destination.kind === 'ssh' ? { sshCommand: destination.sshCommand } : {}),
  });
}

/** The mapping rows that move a tablespace, as the command line's --tablespace values. */
export function tablespaceOptionsOf(rows: readonly TablespaceMapping[]): string[] {
  return rows.filter((row) => row.path.trim() !== '').map((row) => `${row.name}:${row.path.trim()}`);
}

/** The restore's checks alone (a dry run writes nothing), so that a refusal comes before any job or progress. */
export function checkRestoreRun(run: RestoreRun): Promise<RestoreReport> {
  return run(true, { signal: new AbortController().signal, progress: () => undefined, log: () => undefined });
}

export interface DrillRequestOptions {
  /** validation queries given for this drill; absent: the server's drill_validation_sql, else BARKEEP_DRILL_SQL_<SERVER>, else the default checks */
  validationSql?: readonly string[];
  tempRoot?: string;
  timeoutMs?: number;
}

/** The options of a drill of `server`, recorded in the catalog like every drill. */
export function buildDrillOptions(catalog: Catalog, global: GlobalConfig, server: ServerConfig, request: DrillRequestOptions = {}): DrillOptions {
  return {
    store: server,
    binDir: findPostgresBinDir(server.pgBinDir ?? global.pgBinDir),
    user: parseConninfo(server.conninfo).user ?? 'postgres',
    validationSql: drillValidationSql(server, request.validationSql),
    tempRoot: request.tempRoot,
    timeoutMs: request.timeoutMs,
    record: (row) => saveDrill(catalog, row),
  };
}

/** Given queries first; else the server's drill_validation_sql; else BARKEEP_DRILL_SQL_<SERVER>, one query per line. */
export function drillValidationSql(server: ServerConfig, given: readonly string[] | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (given !== undefined) return given.filter((query) => query.trim() !== '');
  if (server.drillValidationSql.length > 0) return server.drillValidationSql;
  const fromEnv = env[`BARKEEP_DRILL_SQL_${server.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ?? '';
  return fromEnv.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
