/**
 * The local SQLite catalog (better-sqlite3, WAL journal): an index over the
 * store for fast listings, plus operational history (jobs, checks, events).
 * Store files stay the source of truth; rebuild.ts recreates the index from them.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackupInfo } from '../../../shared/domain/backup';
import type { JobLogLine, JobSnapshot } from '../../../shared/domain/job';
import { EngineError } from '../../../shared/errors';
import { isProcessAlive } from '../process/process-alive';
import { migrations } from './migrations';

/** Who runs a job, as the jobs table records it. */
const thisProcess = `${process.pid}@${os.hostname()}`;

export interface ServerFacts {
  name: string;
  systemId: string | null;
  pgVersion: string | null;
  learntAt: string | null;
}

export interface WalSegmentRow {
  server: string;
  name: string;
  timeline: number;
  sizeBytes: number;
  compression: string | null;
  archivedAt: string;
}

export interface TimelineRow {
  server: string;
  timeline: number;
  parent: number | null;
  switchLsn: string | null;
  reason: string | null;
}

export interface CheckResultRow {
  server: string;
  checkName: string;
  ok: boolean;
  severity: 'critical' | 'warning';
  detail: string;
  hint: string | null;
  checkedAt: string;
}

/** How long a catalog statement waits for another process's lock before failing. */
const busyTimeoutMs = 5000;

/**
 * Sets the WAL journal. On a new catalog the switch needs the write lock while holding
 * a read lock, and SQLite answers SQLITE_BUSY at once, without the busy timeout, when
 * another process is opening the same file: four `barkeep` processes at once failed so
 * about once in a hundred. Retries with a short sleep, up to the busy timeout.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + busyTimeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, 50)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, delayMs);
    }
  }
}

export class Catalog {
  readonly file: string;
  readonly db: Database.Database;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  static open(file: string): Catalog {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let db: Database.Database;
    try {
      db = new Database(file);
      // First: every later statement, switching to WAL included, waits for another process's lock instead of failing.
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      switchToWal(db);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    } catch (error) {
      throw new EngineError('catalog-failed', `unable to open catalog '${file}': ${(error as Error).message}`,
        'check the permissions of the Barkeep home, or run `barkeep rebuild-catalog`');
    }
    const catalog = new Catalog(file, db);
    catalog.migrate();
    return catalog;
  }

  close(): void {
    this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  private migrate(): void {
    const current = this.schemaVersion;
    const newest = migrations.at(-1)?.version ?? 0;
    if (current > newest) {
      throw new EngineError('catalog-failed', `catalog '${this.file}' has schema version ${current}, newer than this Barkeep knows (${newest})`,
        'upgrade Barkeep, or move the catalog aside and run `barkeep rebuild-catalog`');
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      // IMMEDIATE takes the write lock before reading the version: two processes opening a new
      // catalog at once (two `barkeep cron`, the app and a cron) apply each migration once.
      this.db.transaction(() => {
        if (this.schemaVersion >= migration.version) return;
        this.db.exec(migration.sql);
        this.db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    }
  }

  // --- servers -------------------------------------------------------------

  upsertServerFacts(facts: ServerFacts): void {
    this.db.prepare(`INSERT INTO servers (name, system_id, pg_version, learnt_at) VALUES (@name, @systemId, @pgVersion, @learntAt)
      ON CONFLICT (name) DO UPDATE SET system_id = excluded.system_id, pg_version = excluded.pg_version, learnt_at = excluded.learnt_at`).run(facts);
  }

  serverFacts(name: string): ServerFacts | null {
    const row = this.db.prepare('SELECT name, system_id AS systemId, pg_version AS pgVersion, learnt_at AS learntAt FROM servers WHERE name = ?').get(name);
    return (row as ServerFacts | undefined) ?? null;
  }

  // --- backups -------------------------------------------------------------

  upsertBackup(info: BackupInfo): void {
    this.db.prepare(`INSERT OR REPLACE INTO backups (server, backup_id, name, status, method, begin_time, end_time, begin_lsn, end_lsn,
        begin_wal, end_wal, timeline, system_id, pg_version, size_bytes, own_bytes, wal_bytes, keep, error, info_json)
      VALUES (@server, @backupId, @name, @status, @method, @beginTime, @endTime, @beginLsn, @endLsn, @beginWal, @endWal, @timeline,
        @systemId, @pgVersion, @sizeBytes, @ownBytes, @walBytes, @keep, @error, @infoJson)`)
      .run({ ...info, infoJson: JSON.stringify(info) });
  }

  deleteBackup(server: string, backupId: string): void {
    this.db.prepare('DELETE FROM backups WHERE server = ? AND backup_id = ?').run(server, backupId);
  }

  listBackups(server: string): BackupInfo[] {
    const rows = this.db.prepare('SELECT info_json FROM backups WHERE server = ? ORDER BY backup_id').all(server) as { info_json: string }[];
    return rows.map((row) => JSON.parse(row.info_json) as BackupInfo);
  }

  backupStats(server: string): { count: number; lastEndTime: string | null } {
    const row = this.db.prepare(`SELECT COUNT(*) AS count, MAX(end_time) AS lastEndTime FROM backups WHERE server = ? AND status = 'DONE'`).get(server) as { count: number; lastEndTime: string | null };
    return row;
  }

  // --- WAL -----------------------------------------------------------------

  upsertWalSegments(rows: readonly WalSegmentRow[]): void {
    const insert = this.db.prepare(`INSERT OR REPLACE INTO wal_segments (server, name, timeline, size_bytes, compression, archived_at)
      VALUES (@server, @name, @timeline, @sizeBytes, @compression, @archivedAt)`);
    this.db.transaction((batch: readonly WalSegmentRow[]) => batch.forEach((row) => insert.run(row)))(rows);
  }

  upsertTimeline(row: TimelineRow): void {
    this.db.prepare(`INSERT OR REPLACE INTO timelines (server, timeline, parent, switch_lsn, reason) VALUES (@server, @timeline, @parent, @switchLsn, @reason)`).run(row);
  }

  // --- jobs ----------------------------------------------------------------

  saveJob(job: JobSnapshot): void {
    this.db.prepare(`INSERT OR REPLACE INTO jobs (id, kind, server, title, state, phase, bytes_done, bytes_total, created_at, started_at, finished_at, error_json, owner)
      VALUES (@id, @kind, @server, @title, @state, @phase, @bytesDone, @bytesTotal, @createdAt, @startedAt, @finishedAt, @errorJson, @owner)`)
      .run({ ...job, errorJson: job.error === null ? null : JSON.stringify(job.error), owner: thisProcess });
  }

  appendJobLog(jobId: string, line: JobLogLine): void {
    this.db.prepare(`INSERT INTO job_logs (job_id, seq, at, level, message)
      VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_logs WHERE job_id = ?), ?, ?, ?)`).run(jobId, jobId, line.at, line.level, line.message);
  }

  recentJobs(limit: number): JobSnapshot[] {
    const rows = this.db.prepare(`SELECT id, kind, server, title, state, phase, bytes_done AS bytesDone, bytes_total AS bytesTotal,
        created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt, error_json AS errorJson
      FROM jobs ORDER BY created_at DESC LIMIT ?`).all(limit) as (Omit<JobSnapshot, 'error'> & { errorJson: string | null })[];
    return rows.map(({ errorJson, ...job }) => ({ ...job, error: errorJson === null ? null : JSON.parse(errorJson) }) as JobSnapshot);
  }

  jobLogs(jobId: string): JobLogLine[] {
    return this.db.prepare('SELECT at, level, message FROM job_logs WHERE job_id = ? ORDER BY seq').all(jobId) as JobLogLine[];
  }

  /** Jobs a previous process left running cannot still be running: they failed with it. */
  /**
   * Marks failed the unfinished jobs whose process is gone: on this host a dead
   * pid, or no owner recorded (a catalog from before owners). Jobs of live
   * processes (a `barkeep cron` beside the app) and of other hosts are left alone.
   */
  failAbandonedJobs(now: string): number {
    const unfinished = this.db.prepare(`SELECT id, owner FROM jobs WHERE state IN ('queued', 'running')`).all() as { id: string; owner: string | null }[];
    const abandoned = unfinished.filter(({ owner }) => {
      if (owner === null) return true;
      const [pid, host] = [Number(owner.slice(0, owner.indexOf('@'))), owner.slice(owner.indexOf('@') + 1)];
      return host === os.hostname() && !isProcessAlive(pid);
    });
    const fail = this.db.prepare(`UPDATE jobs SET state = 'failed', finished_at = ?, error_json = ? WHERE id = ? AND state IN ('queued', 'running')`);
    const error = JSON.stringify({ code: 'internal', message: 'barkeep stopped while this job ran' });
    this.db.transaction(() => {
      for (const { id } of abandoned) fail.run(now, error, id);
    })();
    return abandoned.length;
  }

  // --- checks and events ---------------------------------------------------

  saveCheckResult(row: CheckResultRow): void {
    this.db.prepare(`INSERT OR REPLACE INTO check_results (server, check_name, ok, severity, detail, hint, checked_at)
      VALUES (@server, @checkName, @ok, @severity, @detail, @hint, @checkedAt)`).run({ ...row, ok: row.ok ? 1 : 0 });
  }

  /** Replaces a server's check results with one run's, so checks that no longer apply disappear. */
  replaceCheckResults(server: string, rows: readonly CheckResultRow[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM check_results WHERE server = ?').run(server);
      for (const row of rows) this.saveCheckResult(row);
    })();
  }

  checkResults(server: string): CheckResultRow[] {
    const rows = this.db.prepare(`SELECT server, check_name AS checkName, ok, severity, detail, hint, checked_at AS checkedAt
      FROM check_results WHERE server = ? ORDER BY check_name`).all(server) as (Omit<CheckResultRow, 'ok'> & { ok: number })[];
    return rows.map((row) => ({ ...row, ok: row.ok === 1 }));
  }

  recordEvent(server: string | null, kind: string, message: string, at = new Date().toISOString()): void {
    this.db.prepare('INSERT INTO events (at, server, kind, message) VALUES (?, ?, ?, ?)').run(at, server, kind, message);
  }
}
