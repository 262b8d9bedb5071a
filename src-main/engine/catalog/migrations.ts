/**
 * The catalog's schema, as numbered migrations applied in order inside one
 * transaction each; PRAGMA user_version records the last one applied. Never edit
 * a released migration: add the next one.
 */

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'servers, backups, wal segments, timelines, jobs, check results, events',
    sql: `
      CREATE TABLE servers (
        name        TEXT PRIMARY KEY,
        system_id   TEXT,
        pg_version  TEXT,
        learnt_at   TEXT
      );
      CREATE TABLE backups (
        server       TEXT NOT NULL,
        backup_id    TEXT NOT NULL,
        name         TEXT,
        status       TEXT NOT NULL,
        method       TEXT NOT NULL,
        begin_time   TEXT NOT NULL,
        end_time     TEXT,
        begin_lsn    TEXT,
        end_lsn      TEXT,
        begin_wal    TEXT,
        end_wal      TEXT,
        timeline     INTEGER,
        system_id    TEXT,
        pg_version   TEXT,
        size_bytes   INTEGER NOT NULL,
        own_bytes    INTEGER,
        wal_bytes    INTEGER,
        keep         TEXT,
        error        TEXT,
        info_json    TEXT NOT NULL,
        PRIMARY KEY (server, backup_id)
      );
      CREATE TABLE wal_segments (
        server       TEXT NOT NULL,
        name         TEXT NOT NULL,
        timeline     INTEGER NOT NULL,
        size_bytes   INTEGER NOT NULL,
        compression  TEXT,
        archived_at  TEXT NOT NULL,
        PRIMARY KEY (server, name)
      ) WITHOUT ROWID;
      CREATE INDEX wal_segments_by_timeline ON wal_segments (server, timeline, name);
      CREATE TABLE timelines (
        server       TEXT NOT NULL,
        timeline     INTEGER NOT NULL,
        parent       INTEGER,
        switch_lsn   TEXT,
        reason       TEXT,
        PRIMARY KEY (server, timeline)
      );
      CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        server       TEXT,
        title        TEXT NOT NULL,
        state        TEXT NOT NULL,
        phase        TEXT NOT NULL,
        bytes_done   INTEGER NOT NULL,
        bytes_total  INTEGER,
        created_at   TEXT NOT NULL,
        started_at   TEXT,
        finished_at  TEXT,
        error_json   TEXT
      );
      CREATE INDEX jobs_by_created ON jobs (created_at);
      CREATE TABLE job_logs (
        job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        at           TEXT NOT NULL,
        level        TEXT NOT NULL,
        message      TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
      );
      CREATE TABLE check_results (
        server       TEXT NOT NULL,
        check_name   TEXT NOT NULL,
        ok           INTEGER NOT NULL,
        detail       TEXT NOT NULL,
        hint         TEXT,
        checked_at   TEXT NOT NULL,
        PRIMARY KEY (server, check_name)
      );
      CREATE TABLE events (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        server       TEXT,
        kind         TEXT NOT NULL,
        message      TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'check results carry their severity (a failed warning-level check makes a server WARNING, not FAILED)',
    sql: `ALTER TABLE check_results ADD COLUMN severity TEXT NOT NULL DEFAULT 'critical';`,
  },
  {
    version: 3,
    description: 'restore drills: one row per drill with its target, reached point, validation output and outcome',
    sql: `
      CREATE TABLE drills (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        server           TEXT NOT NULL,
        backup_id        TEXT,
        target           TEXT NOT NULL,
        started_at       TEXT NOT NULL,
        finished_at      TEXT NOT NULL,
        duration_seconds REAL NOT NULL,
        reached_lsn      TEXT,
        reached_time     TEXT,
        timeline         INTEGER,
        validation_json  TEXT NOT NULL,
        ok               INTEGER NOT NULL,
        error_json       TEXT
      );
      CREATE INDEX drills_by_server ON drills (server, started_at);
    `,
  },
  {
    version: 4,
    description: 'disk usage history: one sample per server and UTC day (the last of the day wins), for growth rates and forecasts',
    sql: `
      CREATE TABLE disk_usage_history (
        server         TEXT NOT NULL,
        day            TEXT NOT NULL,
        measured_at    TEXT NOT NULL,
        backups_bytes  INTEGER NOT NULL,
        wal_bytes      INTEGER NOT NULL,
        volume_id      TEXT,
        wal_volume_id  TEXT,
        volume_total   INTEGER,
        volume_free    INTEGER,
        PRIMARY KEY (server, day)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description: 'scheduler claims: per job and server, the last due time claimed, by whom, and whether that run still goes on, so that two schedulers never run a job twice',
    sql: `
      CREATE TABLE scheduled_runs (
        job_key        TEXT PRIMARY KEY,
        schedule       TEXT,
        last_due       TEXT NOT NULL,
        claimed_by     TEXT NOT NULL,
        claimed_at     TEXT NOT NULL,
        lease_until    TEXT NOT NULL,
        finished_at    TEXT,
        outcome        TEXT,
        detail         TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    description: 'jobs record the process that runs them (pid@host), so a process starting up fails only the jobs of processes that are gone',
    sql: `ALTER TABLE jobs ADD COLUMN owner TEXT;`,
  },
  {
    version: 7,
    description: 'restore points found in the archived WAL (pg_create_restore_point), with the segment that holds each, so retention can drop them with it',
    sql: `
      CREATE TABLE restore_points (
        server       TEXT NOT NULL,
        name         TEXT NOT NULL,
        timeline     INTEGER NOT NULL,
        start_lsn    TEXT NOT NULL,
        end_lsn      TEXT NOT NULL,
        time         TEXT NOT NULL,
        segment      TEXT NOT NULL,
        PRIMARY KEY (server, timeline, start_lsn)
      ) WITHOUT ROWID;
      CREATE INDEX restore_points_by_name ON restore_points (server, name);
      CREATE INDEX restore_points_by_segment ON restore_points (server, segment);
    `,
  },
];
