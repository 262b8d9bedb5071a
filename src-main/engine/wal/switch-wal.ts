/**
 * `switch-wal`: asks PostgreSQL to close its current WAL segment (a CHECKPOINT
 * first with --force, as Barman does) and, with --archive, waits until that
 * segment is in Barkeep's archive, archiving incoming/ deliveries meanwhile so
 * archive_command pushes count. Writes no WAL itself: archive-store.ts does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import { connectPostgres } from '../postgres/connect';
import { findArchivedWal } from './archive-store';
import { processIncoming, type IncomingReport, type WalIntakeServer } from './incoming';

export interface WalSwitchResult {
  server: string;
  /** false when the current segment was still empty: PostgreSQL had nothing to close */
  switched: boolean;
  /** the segment closed now, or (no switch) the last one closed before */
  closedSegment: string;
  segmentSize: number;
}

export interface WaitForWalOptions {
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal | undefined;
  /** each round of incoming/ processing that archived or refused something */
  onIncoming?: (report: IncomingReport) => void;
}

/**
 * Runs pg_switch_wal() on the server. pg_walfile_name() of its result names
 * the segment just closed; when nothing was written since the last switch it
 * returns the segment boundary, which names the previous, closed, segment.
 */
export async function switchWal(
  server: { name: string; conninfo: string },
  options: { force?: boolean; signal?: AbortSignal | undefined } = {},
): Promise<WalSwitchResult> {
  const client = await connectPostgres(server.conninfo, { signal: options.signal, applicationName: 'barkeep switch-wal' });
  try {
    if (options.force) await runSwitchQuery(client, server.name, 'CHECKPOINT');
    const before = await runSwitchQuery(client, server.name,
      `select pg_walfile_name(pg_current_wal_insert_lsn()) as segment,
              (select setting::bigint from pg_settings where name = 'wal_segment_size') as segment_size`);
    const closed = await runSwitchQuery(client, server.name, 'select pg_walfile_name(pg_switch_wal()) as segment');
    const after = await runSwitchQuery(client, server.name, 'select pg_walfile_name(pg_current_wal_insert_lsn()) as segment');
    return {
      server: server.name,
      switched: String(after.segment) > String(before.segment),
      closedSegment: String(closed.segment),
      segmentSize: Number(before.segment_size),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Waits until WAL file `name` is in the server's archive, whichever way it
 * arrives: streamed by receive-wal, or pushed by archive_command into
 * incoming/, which this loop archives itself. Throws 'wal-missing' on timeout.
 */
export async function waitForArchivedWal(server: WalIntakeServer, catalog: Catalog | null, name: string, options: WaitForWalOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const report = await processIncoming(server, catalog, { signal: options.signal });
    if (report.files.length > 0) options.onIncoming?.(report);
    if (findArchivedWal(server.walsDirectory, name) !== null) return;
    const left = deadline - Date.now();
    if (left <= 0) break;
    try {
      await sleep(Math.min(options.pollMs ?? 500, left), undefined, { signal: options.signal });
    } catch {
      throw new EngineError('cancelled', `waiting for wal file '${name}' of server '${server.name}' was cancelled`);
    }
  }
  throw new EngineError('wal-missing',
    `wal file '${name}' of server '${server.name}' was not archived within ${Math.round(options.timeoutMs / 1000)} s`,
    `check that archive_command sends to server '${server.name}' (pg_stat_archiver on the server shows its failures) or that \`barkeep receive-wal ${server.name}\` runs`);
}

async function runSwitchQuery(client: Awaited<ReturnType<typeof connectPostgres>>, server: string, sql: string): Promise<Record<string, unknown>> {
  try {
    const result = await client.query(sql);
    return (result.rows[0] ?? {}) as Record<string, unknown>;
  } catch (error) {
    const message = (error as Error).message;
    let hint = 'connect as a superuser, or grant the role EXECUTE on pg_switch_wal() (and pg_checkpoint for --force)';
    if (/recovery is in progress/i.test(message)) hint = 'the server is a standby: run switch-wal against the primary';
    throw new EngineError('postgres-failed', `unable to switch wal on server '${server}': ${message}`, hint, { cause: error });
  }
}
