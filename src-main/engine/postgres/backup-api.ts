/**
 * PostgreSQL's concurrent (non-exclusive) backup API on ONE held session:
 * pg_backup_start/pg_backup_stop on 15+, pg_start_backup/pg_stop_backup
 * before, and the server facts a backup records. A started backup belongs to
 * the session: close() always ends it (pg_backup_stop, else by disconnecting,
 * which makes the server abort it). After a stopped backup the session may be
 * kept for the next one (connection_persist): its backend stays, its caches
 * warm. Never copies a file.
 */
import type pg from 'pg';
import { EngineError } from '../../../shared/errors';
import { KeptConnections } from '../transport/kept-connections';
import type { KeepableConnection } from '../transport/kept-connections';
import { formatSegmentName, parseLsn, parseSizeSetting, segmentNumberOf } from '../wal/lsn';
import { connectPostgres } from './connect';

export interface BackupTablespace {
  oid: number;
  name: string;
  /** location on the PostgreSQL host */
  location: string;
}

export interface BackupServerFacts {
  /** e.g. '15.18' */
  version: string;
  versionNum: number;
  systemId: string;
  /** pg_control's catalog version, part of a tablespace's folder name (PG_15_202209061) */
  catalogVersion: number;
  dataDirectory: string;
  dataChecksums: boolean;
  walSegmentSize: number;
  inRecovery: boolean;
  tablespaces: BackupTablespace[];
}

export interface BackupStart {
  lsn: string;
  /** the segment holding lsn, as backup_label's START WAL LOCATION names it */
  walFile: string;
  timeline: number;
  /** server clock */
  time: Date;
}

export interface BackupStop {
  lsn: string;
  /** the last segment the backup needs (pg_walfile_name's rule: an LSN on a boundary belongs to the segment before) */
  walFile: string;
  timeline: number;
  labelFile: string;
  /** null when the server has no tablespaces */
  tablespaceMap: string | null;
  time: Date;
}

export interface BackupSession {
  readonly facts: BackupServerFacts;
  start(label: string, fast: boolean, signal?: AbortSignal): Promise<BackupStart>;
  /** Ends the backup without waiting for WAL archiving (the archiver's job is Barkeep's). */
  stop(signal?: AbortSignal): Promise<BackupStop>;
  /** Offset east of UTC, in seconds, of a zone abbreviation the server prints (backup_label's START TIME). */
  readZoneOffset(abbreviation: string): Promise<number | null>;
  /** Ends a started backup that was not stopped, then disconnects; never throws. Returns how the backup ended. */
  close(): Promise<'not-started' | 'stopped' | 'stopped-on-close' | 'aborted-by-disconnect'>;
  /** After a stopped backup, keeps the session open `persistMs` for the next backup of the server; otherwise as close(). */
  release(persistMs: number): ReturnType<BackupSession['close']>;
}

const stopOnCloseTimeoutMs = 15_000;

/** A session kept between backups, per conninfo and application name. */
interface KeptSession extends KeepableConnection {
  client: pg.Client;
}
const keptSessions = new KeptConnections<KeptSession>();
/** How long a kept session has to answer; a new one is opened after that. */
const keptSessionAnswerMs = 5_000;

/**
 * Connects (or takes up the session kept after the server's last backup, if it answers), reads the facts
 * a backup needs and holds the session for start/stop.
 */
export async function openBackupSession(conninfo: string, opts: { signal?: AbortSignal; applicationName?: string } = {}): Promise<BackupSession> {
  const applicationName = opts.applicationName ?? 'barkeep backup';
  const key = JSON.stringify([conninfo, applicationName]);
  // The facts are read again (a tablespace may have come since): that is the question it must answer.
  const kept = await keptSessions.takeAnswering(key, (session) => readFacts(session.client), keptSessionAnswerMs, opts.signal);
  if (kept) return createSession(kept.connection, conninfo, key, kept.answer.facts, kept.answer.pid);
  const client = await connectPostgres(conninfo, { applicationName, ...(opts.signal ? { signal: opts.signal } : {}) });
  const keepableClient = keepable(client);
  try {
    const { facts, pid } = await readFacts(client);
    return createSession(keepableClient, conninfo, key, facts, pid);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}

/** Closes every kept session: a host shutting down, a test or the bench ending. */
export function closeKeptBackupSessions(): Promise<void> {
  return keptSessions.closeAll();
}

function keepable(client: pg.Client): KeptSession {
  let ended = false;
  client.once('end', () => {
    ended = true;
  });
  // The socket, to let a kept session not hold the process open (pg has no call of its own for it).
  const socket = client.connection.stream as { ref?: () => void; unref?: () => void };
  return {
    client,
    get closed() {
      return ended;
    },
    setActive: (active) => (active ? socket.ref?.() : socket.unref?.()),
    close: () => client.end().catch(() => {}),
  };
}

function createSession(kept: KeptSession, conninfo: string, key: string, facts: BackupServerFacts, pid: number): BackupSession {
  const { client } = kept;
  let state: 'idle' | 'started' | 'stopped' = 'idle';
  const modern = facts.versionNum >= 150000;
  const cancel = async (): Promise<void> => {
    const other = await connectPostgres(conninfo, { timeoutMs: 5_000, applicationName: 'barkeep cancel' });
    try {
      await other.query('select pg_cancel_backend($1)', [pid]);
    } finally {
      await other.end().catch(() => {});
    }
  };
  const run = <R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[], signal?: AbortSignal): Promise<R> =>
    runQuery<R>(client, { what, sql, params, signal, cancel });

  const start = async (label: string, fast: boolean, signal?: AbortSignal): Promise<BackupStart> => {
    if (state !== 'idle') throw new EngineError('internal', 'a backup was already started on this session');
    const sql = modern
      ? 'select lsn::text as lsn, now() as time from pg_backup_start($1, $2) as lsn'
      : 'select lsn::text as lsn, now() as time from pg_start_backup($1, $2, false) as lsn';
    const row = await run<{ lsn: string; time: Date }>('start the backup', sql, [label, fast], signal);
    state = 'started';
    // Read after the start: the checkpoint it waited for is the one that names the timeline.
    const { timeline_id: timeline } = await run<{ timeline_id: number }>('read the timeline', 'select timeline_id from pg_control_checkpoint()', [], signal);
    const segment = segmentNumberOf(parseLsn(row.lsn), facts.walSegmentSize);
    return { lsn: row.lsn, walFile: formatSegmentName(timeline, segment, facts.walSegmentSize), timeline, time: row.time };
  };

  const stop = async (signal?: AbortSignal): Promise<BackupStop> => {
    if (state !== 'started') throw new EngineError('internal', 'no backup is in progress on this session');
    const sql = modern
      ? 'select lsn::text as lsn, labelfile, spcmapfile, now() as time from pg_backup_stop(false)'
      : 'select lsn::text as lsn, labelfile, spcmapfile, now() as time from pg_stop_backup(false, false)';
    const row = await run<{ lsn: string; labelfile: string; spcmapfile: string | null; time: Date }>('stop the backup', sql, [], signal);
    state = 'stopped';
    const { timeline_id: timeline } = await run<{ timeline_id: number }>('read the timeline', 'select timeline_id from pg_control_checkpoint()', []);
    const end = parseLsn(row.lsn);
    const segment = segmentNumberOf(end > 0n ? end - 1n : end, facts.walSegmentSize);
    return {
      lsn: row.lsn,
      walFile: formatSegmentName(timeline, segment, facts.walSegmentSize),
      timeline,
      labelFile: row.labelfile,
      tablespaceMap: row.spcmapfile && row.spcmapfile !== '' ? row.spcmapfile : null,
      time: row.time,
    };
  };

  const readZoneOffset = async (abbreviation: string): Promise<number | null> => {
    const result = await client.query<{ seconds: number }>(
      `select extract(epoch from utc_offset)::int as seconds from pg_timezone_abbrevs where abbrev = $1
       union all
       select extract(epoch from utc_offset)::int from pg_timezone_names where abbrev = $1 limit 1`,
      [abbreviation],
    );
    return result.rows[0]?.seconds ?? null;
  };

  const close = async (): ReturnType<BackupSession['close']> => {
    let outcome: Awaited<ReturnType<BackupSession['close']>> = state === 'idle' ? 'not-started' : 'stopped';
    if (state === 'started') {
      const stopped = await Promise.race([
        stop().then(() => true, () => false),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), stopOnCloseTimeoutMs).unref()),
      ]);
      // When the stop fails or hangs, disconnecting is what ends the backup: the server aborts it with the session.
      outcome = stopped ? 'stopped-on-close' : 'aborted-by-disconnect';
    }
    await client.end().catch(() => {});
    return outcome;
  };

  const release = async (persistMs: number): ReturnType<BackupSession['close']> => {
    if (state !== 'stopped' || persistMs <= 0) return close();
    await keptSessions.keep(key, kept, persistMs);
    return 'stopped';
  };

  return { facts, start, stop, readZoneOffset, close, release };
}

async function readFacts(client: pg.Client): Promise<{ facts: BackupServerFacts; pid: number }> {
  try {
    const { rows } = await client.query<{
      version: string; version_num: string; system_id: string; catalog_version: number; data_directory: string;
      data_checksums: string; wal_segment_size: string; in_recovery: boolean; pid: number;
    }>(`
      select current_setting('server_version') as version,
             current_setting('server_version_num') as version_num,
             s.system_identifier::text as system_id,
             s.catalog_version_no as catalog_version,
             current_setting('data_directory') as data_directory,
             current_setting('data_checksums') as data_checksums,
             current_setting('wal_segment_size') as wal_segment_size,
             pg_is_in_recovery() as in_recovery,
             pg_backend_pid() as pid
      from pg_control_system() s`);
    const row = rows[0];
    if (!row) throw new Error('no row returned');
    const tablespaces = await client.query<{ oid: string; name: string; location: string }>(`
      select oid::text as oid, spcname as name, pg_tablespace_location(oid) as location
      from pg_tablespace where spcname not in ('pg_default', 'pg_global') order by oid`);
    return {
      pid: row.pid,
      facts: {
        version: /^\d+(\.\d+)*/.exec(row.version)?.[0] ?? row.version,
        versionNum: Number(row.version_num),
        systemId: row.system_id,
        catalogVersion: row.catalog_version,
        dataDirectory: row.data_directory,
        dataChecksums: row.data_checksums === 'on',
        walSegmentSize: parseSizeSetting(row.wal_segment_size),
        inRecovery: row.in_recovery,
        tablespaces: tablespaces.rows.map((tablespace) => ({ ...tablespace, oid: Number(tablespace.oid) })),
      },
    };
  } catch (error) {
    throw new EngineError(
      'postgres-failed',
      `unable to read the server facts a backup needs: ${(error as Error).message}`,
      'connect as a superuser, or a role with pg_read_all_settings and the backup functions granted',
      { cause: error },
    );
  }
}

interface QuerySpec {
  what: string;
  sql: string;
  params: unknown[];
  signal: AbortSignal | undefined;
  cancel: () => Promise<void>;
}

/** One row of a query; aborting the signal cancels the query on the server (it may be waiting for a checkpoint). */
async function runQuery<R extends pg.QueryResultRow>(client: pg.Client, spec: QuerySpec): Promise<R> {
  const cancelledError = (): EngineError => new EngineError('cancelled', `the request to ${spec.what} was cancelled`);
  if (spec.signal?.aborted) throw cancelledError();
  const onAbort = (): void => {
    void spec.cancel().catch(() => {});
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const { rows } = await client.query<R>(spec.sql, spec.params);
    if (!rows[0]) throw new Error('no row returned');
    return rows[0];
  } catch (error) {
    if (spec.signal?.aborted) throw cancelledError();
    throw new EngineError('postgres-failed', `unable to ${spec.what}: ${(error as Error).message}`, hintFor(error), { cause: error });
  } finally {
    spec.signal?.removeEventListener('abort', onAbort);
  }
}

function hintFor(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === '42501') return 'grant the backup functions to the role, or connect as a superuser';
  if (code === '55000') return 'set wal_level to replica or logical and restart the server';
  return 'read the server log for details';
}
