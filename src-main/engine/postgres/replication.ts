/**
 * Replication commands on a walsender session (see connect.ts, replication:
 * true): IDENTIFY_SYSTEM, SHOW, READ_REPLICATION_SLOT (or pg_replication_slots
 * before 15), CREATE/DROP_REPLICATION_SLOT, TIMELINE_HISTORY, and which errors
 * of such a session a retry can heal. START_REPLICATION's stream lives in
 * wal/streaming/replication-stream.ts.
 */
import type pg from 'pg';
import { EngineError } from '../../../shared/errors';
import { parseLsn, parseSizeSetting } from '../wal/lsn';
import { connectPostgres } from './connect';

export interface SystemIdentity {
  /** pg_control's system identifier, as decimal text */
  systemId: string;
  timeline: number;
  /** the server's current WAL flush position */
  xlogPos: bigint;
}

export interface PhysicalSlot {
  name: string;
  /** null while the slot reserves no WAL (created without RESERVE_WAL and never used) */
  restartLsn: bigint | null;
}

export interface TimelineHistoryFile {
  fileName: string;
  content: Buffer;
}

const slotNamePattern = /^[a-z0-9_]{1,63}$/;

export async function identifySystem(client: pg.Client): Promise<SystemIdentity> {
  const result = await client.query<{ systemid: string; timeline: number | string; xlogpos: string }>('IDENTIFY_SYSTEM');
  const row = result.rows[0];
  if (!row) throw new EngineError('postgres-failed', 'IDENTIFY_SYSTEM returned no row');
  return { systemId: row.systemid, timeline: Number(row.timeline), xlogPos: parseLsn(row.xlogpos) };
}

/** wal_segment_size in bytes (SHOW works on walsender sessions since PostgreSQL 10). */
export async function readWalSegmentSize(client: pg.Client): Promise<number> {
  return parseSizeSetting(await showSetting(client, 'wal_segment_size'));
}

export async function readServerVersionNum(client: pg.Client): Promise<number> {
  return Number(await showSetting(client, 'server_version_num'));
}

/**
 * A physical slot's state, or null when it does not exist. PostgreSQL 15+
 * answers READ_REPLICATION_SLOT on the walsender session; older servers are
 * asked through pg_replication_slots on a regular session to `conninfo`.
 */
export async function readPhysicalSlot(client: pg.Client, name: string, versionNum: number, conninfo: string, signal?: AbortSignal): Promise<PhysicalSlot | null> {
  assertSlotName(name);
  if (versionNum >= 150000) {
    const result = await client.query<{ slot_type: string | null; restart_lsn: string | null }>(`READ_REPLICATION_SLOT ${name}`);
    const row = result.rows[0];
    if (!row || row.slot_type === null) return null;
    assertPhysical(name, row.slot_type);
    return { name, restartLsn: row.restart_lsn === null ? null : parseLsn(row.restart_lsn) };
  }
  const regular = await connectPostgres(conninfo, { signal, applicationName: 'barkeep' });
  try {
    const result = await regular.query<{ slot_type: string; restart_lsn: string | null }>(
      'select slot_type, restart_lsn::text as restart_lsn from pg_replication_slots where slot_name = $1', [name]);
    const row = result.rows[0];
    if (!row) return null;
    assertPhysical(name, row.slot_type);
    return { name, restartLsn: row.restart_lsn === null ? null : parseLsn(row.restart_lsn) };
  } finally {
    await regular.end().catch(() => undefined);
  }
}

/** CREATE_REPLICATION_SLOT name PHYSICAL RESERVE_WAL: the slot holds WAL from now on. */
export async function createPhysicalSlot(client: pg.Client, name: string): Promise<void> {
  assertSlotName(name);
  try {
    await client.query(`CREATE_REPLICATION_SLOT ${name} PHYSICAL RESERVE_WAL`);
  } catch (error) {
    const code = sqlState(error);
    const hint = code === '42710' ? `drop it with \`barkeep receive-wal --drop-slot\` first, or use it as it is`
      : code === '53400' ? 'raise max_replication_slots on the server (needs a restart) or drop an unused slot'
        : 'check that the role has the REPLICATION attribute';
    throw new EngineError('slot-failed', `unable to create replication slot '${name}': ${errorText(error)}`, hint, { cause: error });
  }
}

export async function dropReplicationSlot(client: pg.Client, name: string): Promise<void> {
  assertSlotName(name);
  try {
    await client.query(`DROP_REPLICATION_SLOT ${name}`);
  } catch (error) {
    const code = sqlState(error);
    const hint = code === '55006' ? 'stop the process streaming from it first (`barkeep receive-wal --stop`)'
      : code === '42704' ? 'list the slots with `select * from pg_replication_slots`' : undefined;
    throw new EngineError('slot-failed', `unable to drop replication slot '${name}': ${errorText(error)}`, hint, { cause: error });
  }
}

/** TIMELINE_HISTORY n: the server's n.history file, byte for byte. */
export async function fetchTimelineHistory(client: pg.Client, timeline: number): Promise<TimelineHistoryFile> {
  // The content column is bytea sent as raw text: keep the text as it came.
  const result = await client.query<{ filename: string; content: string }>({
    text: `TIMELINE_HISTORY ${Math.trunc(timeline)}`,
    types: { getTypeParser: () => (value: string) => value },
  } as pg.QueryConfig);
  const row = result.rows[0];
  if (!row) throw new EngineError('postgres-failed', `TIMELINE_HISTORY ${timeline} returned no row`);
  return { fileName: row.filename, content: Buffer.from(row.content, 'utf8') };
}

/** Whether an error from the replication session is the connection going away (retry) rather than the server refusing (stop). */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof EngineError) {
    // Refused credentials or a missing database do not heal by waiting.
    const refused = /^(28|3D)/.test(sqlState(error.cause) ?? '');
    return error.code === 'postgres-unreachable' && !refused;
  }
  const code = sqlState(error) ?? (error as { code?: unknown } | null)?.code;
  // 57P01-03: the server shuts down or was told to end this session; 08xxx: connection exceptions; 55006: the slot is still held by our previous connection.
  if (typeof code === 'string' && (/^(57P0[123]|08...|55006)$/.test(code) || /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH)/.test(code))) return true;
  return /terminated unexpectedly|Connection terminated|socket hang up|read ECONNRESET|connection timeout|not queryable/i.test(errorText(error));
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function showSetting(client: pg.Client, name: string): Promise<string> {
  const result = await client.query<Record<string, string>>(`SHOW ${name}`);
  const value = result.rows[0]?.[name];
  if (value === undefined) throw new EngineError('postgres-failed', `SHOW ${name} returned no value`);
  return value;
}

function assertSlotName(name: string): void {
  if (!slotNamePattern.test(name)) {
    throw new EngineError('slot-failed', `'${name}' is not a valid replication slot name`, 'use lower-case letters, digits and underscores (at most 63)');
  }
}

function assertPhysical(name: string, type: string): void {
  if (type !== 'physical') {
    throw new EngineError('slot-failed', `replication slot '${name}' is a ${type} slot`, 'streaming WAL needs a physical slot: choose another slot_name');
  }
}
