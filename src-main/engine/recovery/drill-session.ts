/**
 * Talks SQL to a drill's restored cluster over its private socket: waits until
 * recovery reached the target (promoted, or paused at it), reads the reached
 * LSN, time and timeline, and runs the validation queries. Never starts, stops
 * or deletes anything: drill.ts owns the cluster and its folder.
 */
import type pg from 'pg';
import { EngineError } from '../../../shared/errors';
import type { DrillValidation } from '../catalog/drill-queries';
import { connectPostgres } from '../postgres/connect';
import type { TargetAction } from './target';

export interface DrillEndpoint {
  socketDir: string;
  port: number;
  user: string;
}

export interface ReachedPoint {
  state: 'promoted' | 'paused';
  lsn: string | null;
  time: string | null;
  /** the timeline the copy runs on after promotion; null while paused */
  timeline: number | null;
}

const pollIntervalMs = 200;

/** The default validation: `select 1`, then the number of user tables in every database that allows connections. */
export const userTablesQuery = `select count(*)::int as user_tables from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;

export function drillConninfo(endpoint: DrillEndpoint, database: string): string {
  const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `host=${quote(endpoint.socketDir)} port=${endpoint.port} user=${quote(endpoint.user)} dbname=${quote(database)} application_name=barkeep-drill`;
}

/**
 * Connects, retrying while the server is still starting (57P03) or briefly
 * unreachable; `isAlive` tells a dead postmaster (recovery failed) from a slow one.
 */
export async function connectWhenReady(endpoint: DrillEndpoint, database: string, signal: AbortSignal, deadline: number,
  isAlive: () => Promise<boolean>): Promise<pg.Client> {
  for (;;) {
    throwIfCancelled(signal);
    try {
      return await connectPostgres(drillConninfo(endpoint, database), { signal, timeoutMs: 10_000 });
    } catch (error) {
      if (error instanceof EngineError && error.code === 'cancelled') throw error;
      if (!(await isAlive())) throw recoveryStopped(error);
      if (Date.now() > deadline) throw timedOut();
      await sleep(pollIntervalMs, signal);
    }
  }
}

/** Polls until the copy is promoted, or (for a pause target) paused at the target; then reads where it stopped. */
export async function waitForTarget(client: pg.Client, action: TargetAction, signal: AbortSignal, deadline: number,
  isAlive: () => Promise<boolean>): Promise<ReachedPoint> {
  const versionNum = Number((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v ?? 0);
  // PostgreSQL 14 added pg_get_wal_replay_pause_state(); 13 only knows whether a pause was requested.
  const pausedSql = versionNum >= 140000 ? "pg_get_wal_replay_pause_state() = 'paused'" : 'pg_is_wal_replay_paused()';
  for (;;) {
    throwIfCancelled(signal);
    let row: { in_recovery: boolean; paused: boolean } | undefined;
    try {
      row = (await client.query<{ in_recovery: boolean; paused: boolean }>(
        `select pg_is_in_recovery() as in_recovery, case when pg_is_in_recovery() then ${pausedSql} else false end as paused`)).rows[0];
    } catch (error) {
      if (!(await isAlive())) throw recoveryStopped(error);
      throw error;
    }
    if (row && !row.in_recovery) return readReachedPoint(client, 'promoted');
    if (row?.paused && action === 'pause') return readReachedPoint(client, 'paused');
    if (Date.now() > deadline) throw timedOut();
    await sleep(pollIntervalMs, signal);
  }
}

async function readReachedPoint(client: pg.Client, state: ReachedPoint['state']): Promise<ReachedPoint> {
  const result = await client.query<{ replay_lsn: string | null; current_lsn: string | null; replay_time: Date | null; wal_file: string | null }>(`
    select pg_last_wal_replay_lsn()::text as replay_lsn,
           case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end as current_lsn,
           pg_last_xact_replay_timestamp() as replay_time,
           case when pg_is_in_recovery() then null else pg_walfile_name(pg_current_wal_lsn()) end as wal_file`);
  const row = result.rows[0];
  const timeline = row?.wal_file ? Number.parseInt(row.wal_file.slice(0, 8), 16) : null;
  return {
    state,
    lsn: row?.replay_lsn ?? row?.current_lsn ?? null,
    time: row?.replay_time ? new Date(row.replay_time).toISOString() : null,
    timeline,
  };
}

/**
 * Runs the validation: custom queries (each in the `postgres` database) when
 * given, else `select 1` and the user tables of every database. A failing query
 * fails the drill.
 */
export async function runValidation(client: pg.Client, endpoint: DrillEndpoint, customSql: readonly string[], signal: AbortSignal): Promise<DrillValidation[]> {
  const results: DrillValidation[] = [];
  const run = async (session: pg.Client, database: string, query: string): Promise<void> => {
    throwIfCancelled(signal);
    try {
      const result = await session.query(query);
      results.push({ database, query, rows: result.rows as Record<string, unknown>[] });
    } catch (error) {
      throw new EngineError('drill-failed', `validation query failed in database '${database}': ${(error as Error).message} (${query})`,
        'fix the query (--sql or BARKEEP_DRILL_SQL_<SERVER>), or look at the restored data: the backup may miss what you expect');
    }
  };
  if (customSql.length > 0) {
    for (const query of customSql) await run(client, 'postgres', query);
    return results;
  }
  await run(client, 'postgres', 'select 1 as ok');
  const databases = (await client.query<{ datname: string }>(
    'select datname from pg_database where datallowconn and not datistemplate order by datname')).rows.map((row) => row.datname);
  for (const database of databases) {
    const session = database === 'postgres' ? client : await connectPostgres(drillConninfo(endpoint, database), { signal, timeoutMs: 10_000 });
    try {
      await run(session, database, userTablesQuery);
    } finally {
      if (session !== client) await session.end().catch(() => undefined);
    }
  }
  return results;
}

function recoveryStopped(cause: unknown): EngineError {
  return new EngineError('drill-failed', `the restored cluster stopped before reaching the target: ${(cause as Error).message ?? String(cause)}`,
    'the server log printed with this error says why (a missing wal file, a target past the archived wal …)');
}

function timedOut(): EngineError {
  return new EngineError('drill-failed', 'recovery did not reach the target in time', 'give the drill more time (--timeout), or choose an earlier target');
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new EngineError('cancelled', 'the drill was cancelled');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
