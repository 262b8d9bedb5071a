/**
 * The engine side of `barkeep demo`'s full cycle on the sandbox: WAL archived
 * by a streaming archiver (in-process unless one already runs), a backup,
 * marker rows across several WAL segments, a point-in-time drill to just after
 * marker 3, and the proof that the restored copy holds markers 1-3 and no more.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';
import { runBackup } from '../backup/run-backup';
import { saveDrill } from '../catalog/drill-queries';
import type { ServerConfig } from '../config/load';
import type { Engine } from '../engine';
import type { JobContext } from '../jobs/job-queue';
import { findPostgresBinDir } from '../postgres/bin-dir';
import { connectPostgres } from '../postgres/connect';
import { parseConninfo } from '../postgres/conninfo';
import { readWalArchiveView } from '../recovery/archive-view';
import { runDrill, type DrillReport } from '../recovery/drill';
import { planRestore } from '../recovery/plan';
import { parseRecoveryTarget } from '../recovery/target';
import { readArchiverLock } from '../wal/archiver-lock';
import { runWalReceiver } from '../wal/streaming/receiver';
import { switchWal, waitForArchivedWal } from '../wal/switch-wal';

export const demoTable = 'barkeep_demo';
export const demoMarkerCount = 6;
/** the target time is taken right after this marker commits */
export const demoTargetMarker = 3;
export const demoValidationSql = `select count(*), string_agg(label, ',' order by id) from ${demoTable}`;

export interface DemoArchiverStep { mode: 'in-process' | 'external'; pid: number; slot: string; jobId: string | null }
export interface DemoBackupStep {
  backupId: string; status: string; sizeBytes: number; files: number | null;
  durationSeconds: number | null; beginWal: string | null; endWal: string | null;
}
export interface DemoMarker { id: number; label: string; writtenAt: string; segment: string }
export interface DemoWritesStep { markers: DemoMarker[]; segments: string[]; targetTime: string }
export interface DemoSwitchStep { lastSegment: string; archived: true }
export interface DemoVerdict { expected: string[]; restored: string[]; restoredCount: number | null; match: boolean }

export interface DemoCycleReport {
  archiver: DemoArchiverStep;
  backup: DemoBackupStep;
  writes: DemoWritesStep;
  walSwitch: DemoSwitchStep;
  drill: DrillReport;
  verdict: DemoVerdict;
  durationSeconds: number;
}

export type DemoStep =
  | { step: 'archiver'; result: DemoArchiverStep }
  | { step: 'backup'; result: DemoBackupStep }
  | { step: 'writes'; result: DemoWritesStep }
  | { step: 'walSwitch'; result: DemoSwitchStep }
  | { step: 'drill'; result: DrillReport }
  | { step: 'verdict'; result: DemoVerdict };

export interface DemoCycleOptions {
  /** called as each step finishes (the console prints one line per step) */
  onStep?: (step: DemoStep) => void;
  /** seconds each wait (slot active, WAL archived, recovery) may take; default 60 */
  waitSeconds?: number;
}

/** Runs the cycle on `serverName` inside the caller's job; the archiver it starts is its own long-running job, always stopped at the end. */
export async function runDemoCycle(engine: Engine, serverName: string, ctx: JobContext, options: DemoCycleOptions = {}): Promise<DemoCycleReport> {
  const startedAt = Date.now();
  const server = engine.server(serverName);
  const waitMs = (options.waitSeconds ?? 60) * 1000;
  const emit = (step: DemoStep): void => options.onStep?.(step);
  const archiver = startArchiver(engine, server, ctx);
  try {
    // 1. WAL archiving: the archiver streams from the slot once the slot is active
    ctx.progress({ phase: 'archiving wal' });
    await waitForActiveSlot(server, archiver.failure, ctx.signal, waitMs);
    emit({ step: 'archiver', result: archiver.step });

    // 2. a backup, waiting until the WAL that makes it consistent is archived
    ctx.progress({ phase: 'backup' });
    const info = await runBackup(engine.backupDeps(), server,
      { wait: true, waitTimeoutSeconds: waitMs / 1000 }, prefixed(ctx, 'backup'));
    if (info.status !== 'DONE') {
      throw new EngineError('backup-failed', `the demo backup ${info.backupId} ended ${info.status}`, 'look at `barkeep show-backup sandbox latest`');
    }
    const backup = describeBackup(info);
    emit({ step: 'backup', result: backup });

    // 3. marker rows, one WAL segment each; the target time right after marker 3
    ctx.progress({ phase: 'writing markers' });
    const writes = await writeMarkers(server, ctx.signal);
    emit({ step: 'writes', result: writes });

    // 4. close the last segment and wait until it is archived
    ctx.progress({ phase: 'switching wal' });
    const switched = await switchWal(server, { signal: ctx.signal });
    await waitForArchivedWal(server, engine.catalog, switched.closedSegment, { timeoutMs: waitMs, signal: ctx.signal });
    throwIfArchiverFailed(archiver.failure);
    const walSwitch: DemoSwitchStep = { lastSegment: switched.closedSegment, archived: true };
    emit({ step: 'walSwitch', result: walSwitch });

    // 5. the point-in-time drill to the recorded time
    ctx.progress({ phase: 'drill' });
    const drill = await runDemoDrill(engine, server, info, writes.targetTime, waitMs, prefixed(ctx, 'drill'));
    engine.invalidate('servers', server.name);
    emit({ step: 'drill', result: drill });

    // 6. the proof: markers 1-3, nothing after
    const verdict = compareMarkers(writes.markers, drill);
    emit({ step: 'verdict', result: verdict });
    return { archiver: archiver.step, backup, writes, walSwitch, drill, verdict, durationSeconds: (Date.now() - startedAt) / 1000 };
  } finally {
    ctx.progress({ phase: 'stopping the archiver' });
    await archiver.stop();
  }
}

interface StartedArchiver {
  step: DemoArchiverStep;
  failure: { error: unknown };
  stop(): Promise<void>;
}

/** An archiver job of this process (lock owner 'app'), or the one already running elsewhere, used as is. */
function startArchiver(engine: Engine, server: ServerConfig, ctx: JobContext): StartedArchiver {
  const slot = server.slotName ?? 'barkeep';
  const failure: { error: unknown } = { error: null };
  const holder = readArchiverLock(server.backupDirectory);
  if (holder) {
    ctx.log(`using the archiver already running for server '${server.name}' (pid ${holder.pid})`);
    return { step: { mode: 'external', pid: holder.pid, slot, jobId: null }, failure, stop: async () => undefined };
  }
  const handle = engine.jobs.submit({
    kind: 'receive-wal',
    server: server.name,
    title: `receive-wal ${server.name}`,
    longRunning: true,
    run: (jobCtx) => runWalReceiver(server, engine.catalog, jobCtx, { lockOwner: 'app' }),
  });
  let finished = false;
  const done = handle.done.then(() => undefined, (error: unknown) => {
    if (!finished) failure.error = error;
  });
  return {
    step: { mode: 'in-process', pid: process.pid, slot, jobId: handle.id },
    failure,
    stop: async () => {
      finished = true;
      engine.jobs.cancel(handle.id);
      await done;
    },
  };
}

function throwIfArchiverFailed(failure: { error: unknown }): void {
  if (failure.error === null) return;
  const error = failure.error as { code?: unknown; message?: unknown };
  // another process took the lock between our look and our start: its archiver serves us as well
  if (error.code === 'archiver-running') return;
  throw failure.error instanceof EngineError ? failure.error
    : new EngineError('archiver-failed', `the demo's archiver stopped: ${String(error.message ?? failure.error)}`);
}

async function waitForActiveSlot(server: ServerConfig, failure: { error: unknown }, signal: AbortSignal, waitMs: number): Promise<void> {
  const slot = server.slotName ?? 'barkeep';
  const deadline = Date.now() + waitMs;
  const client = await connectPostgres(server.conninfo, { signal, applicationName: 'barkeep demo' });
  try {
    for (;;) {
      throwIfArchiverFailed(failure);
      const result = await client.query<{ active: boolean }>('select active from pg_replication_slots where slot_name = $1', [slot]);
      if (result.rows[0]?.active === true) return;
      if (Date.now() > deadline) {
        throw new EngineError('archiver-failed', `the replication slot '${slot}' of server '${server.name}' is not streaming after ${waitMs / 1000} s`,
          `run \`barkeep receive-wal ${server.name}\` and look at its output`);
      }
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describeBackup(info: BackupInfo): DemoBackupStep {
  return {
    backupId: info.backupId, status: info.status, sizeBytes: info.sizeBytes, files: info.files ?? null,
    durationSeconds: info.durationSeconds ?? null, beginWal: info.beginWal, endWal: info.endWal,
  };
}

/** A fresh demo table, then one marker per WAL segment; the target time is read right after marker 3 commits. */
async function writeMarkers(server: ServerConfig, signal: AbortSignal): Promise<DemoWritesStep> {
  const client = await connectPostgres(server.conninfo, { signal, applicationName: 'barkeep demo' });
  try {
    await client.query(`drop table if exists ${demoTable}`);
    await client.query(`create table ${demoTable} (id integer primary key, label text not null, written_at timestamptz not null)`);
    const markers: DemoMarker[] = [];
    let targetTime: string | null = null;
    for (let id = 1; id <= demoMarkerCount; id += 1) {
      signal.throwIfAborted();
      const label = `marker-${id}`;
      const inserted = await client.query<{ written_at: string; segment: string }>(
        `insert into ${demoTable} (id, label, written_at) values ($1, $2, clock_timestamp())
         returning to_char(written_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as written_at,
                   pg_walfile_name(pg_current_wal_insert_lsn()) as segment`, [id, label]);
      const row = inserted.rows[0]!;
      markers.push({ id, label, writtenAt: row.written_at, segment: row.segment });
      if (id === demoTargetMarker) {
        const now = await client.query<{ now: string }>(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' as now`);
        targetTime = now.rows[0]!.now;
      }
      if (id < demoMarkerCount) await client.query('select pg_switch_wal()');
    }
    return { markers, segments: [...new Set(markers.map((marker) => marker.segment))], targetTime: targetTime! };
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError('postgres-failed', `writing the demo markers on server '${server.name}' failed: ${(error as Error).message}`,
      'connect as a superuser (the sandbox does), or look at the server log', { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runDemoDrill(engine: Engine, server: ServerConfig, backup: BackupInfo, targetTime: string, waitMs: number, ctx: JobContext): Promise<DrillReport> {
  const backups = engine.catalog.listBackups(server.name);
  const hint = backups.find((candidate) => candidate.walSegmentSize)?.walSegmentSize ?? null;
  const plan = planRestore({
    server: server.name, backups, archive: readWalArchiveView(server.walsDirectory, hint),
    target: parseRecoveryTarget({ time: targetTime, action: 'promote' }), backupSelector: backup.backupId,
  });
  return runDrill(plan, {
    store: server,
    binDir: findPostgresBinDir(server.pgBinDir ?? engine.config.global.pgBinDir),
    user: parseConninfo(server.conninfo).user ?? 'postgres',
    validationSql: [demoValidationSql],
    timeoutMs: waitMs,
    record: (row) => saveDrill(engine.catalog, row),
  }, ctx);
}

/** Markers 1-3 expected; what the drill's validation query read from the restored copy. */
export function compareMarkers(markers: readonly DemoMarker[], drill: Pick<DrillReport, 'ok' | 'validation'>): DemoVerdict {
  const expected = markers.filter((marker) => marker.id <= demoTargetMarker).map((marker) => marker.label);
  const row = drill.validation.find((result) => result.query === demoValidationSql)?.rows[0];
  const count = row?.count === undefined || row.count === null ? null : Number(row.count);
  const labels = typeof row?.string_agg === 'string' ? row.string_agg.split(',') : [];
  const match = drill.ok && count === expected.length && labels.join(',') === expected.join(',');
  return { expected, restored: labels, restoredCount: count, match };
}

/** The same context, its phases named after the step ("backup: copying"). */
function prefixed(ctx: JobContext, step: string): JobContext {
  return {
    signal: ctx.signal,
    log: (message, level) => ctx.log(message, level),
    progress: (update) => ctx.progress({ ...update, phase: update.phase === undefined ? undefined : `${step}: ${update.phase}` }),
  };
}
