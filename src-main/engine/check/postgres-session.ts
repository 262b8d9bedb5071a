/**
 * The PostgreSQL side of a check run: one regular session opened on first use
 * and shared by every SQL check (its facts and settings read once), and one
 * short replication session for IDENTIFY_SYSTEM. Reads only; never changes
 * anything on the server.
 */
import type pg from 'pg';
import { EngineError } from '../../../shared/errors';
import { connectPostgres, describeServer, type ServerFacts } from '../postgres/connect';

export interface SettingValue {
  setting: string;
  /** changed in the configuration, not in effect until a restart */
  pendingRestart: boolean;
}

export interface SessionFacts extends ServerFacts {
  role: string;
  inRecovery: boolean;
  settings: ReadonlyMap<string, SettingValue>;
}

export interface StreamingIdentity {
  systemId: string;
  timeline: number;
  xlogpos: string;
}

export interface SessionOptions {
  timeoutMs: number;
  signal: AbortSignal;
  applicationName: string;
}

const settingNames = [
  'wal_level', 'archive_mode', 'archive_command', 'archive_library', 'archive_timeout',
  'wal_segment_size', 'max_wal_senders', 'max_replication_slots', 'data_directory',
];

export class CheckSession {
  private readonly conninfo: string;
  private readonly options: SessionOptions;
  private client: pg.Client | null = null;
  private opened: Promise<SessionFacts> | null = null;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(conninfo: string, options: SessionOptions) {
    this.conninfo = conninfo;
    this.options = options;
  }

  /** Connects on first call; rejects with the connection's own error (the PostgreSQL check shows it). */
  facts(): Promise<SessionFacts> {
    this.opened ??= this.open();
    return this.opened;
  }

  /** The facts for checks that only make sense with a connection: they say so instead of repeating its error. */
  async require(): Promise<SessionFacts> {
    try {
      return await this.facts();
    } catch {
      throw new EngineError('check-failed', 'not checked: no PostgreSQL connection',
        'make the PostgreSQL check pass first (see its line): this check needs the connection');
    }
  }

  /** Queries from concurrent checks take turns: pg deprecates overlapping queries on one client. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    await this.require();
    const turn = this.queue.then(async () => {
      if (this.client === null) throw new EngineError('check-failed', 'the postgresql session is closed');
      return (await this.client.query<R>(sql, params)).rows;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async open(): Promise<SessionFacts> {
    const client = await connectPostgres(this.conninfo, {
      timeoutMs: this.options.timeoutMs,
      signal: this.options.signal,
      applicationName: this.options.applicationName,
    });
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new EngineError('cancelled', 'the check run ended before postgresql answered');
    }
    this.client = client;
    const facts = await describeServer(client);
    const extra = await client.query<{ role: string; in_recovery: boolean }>(
      'select current_user as role, pg_is_in_recovery() as in_recovery');
    const rows = await client.query<{ name: string; setting: string; pending_restart: boolean }>(
      'select name, setting, pending_restart from pg_settings where name = any($1)', [settingNames]);
    return {
      ...facts,
      role: extra.rows[0]?.role ?? '',
      inRecovery: extra.rows[0]?.in_recovery ?? false,
      settings: new Map(rows.rows.map((row) => [row.name, { setting: row.setting, pendingRestart: row.pending_restart }])),
    };
  }
}

/** Opens a replication (walsender) session, asks IDENTIFY_SYSTEM and closes it. */
export async function identifyStreamingSystem(conninfo: string, options: SessionOptions): Promise<StreamingIdentity> {
  const client = await connectPostgres(conninfo, {
    replication: true,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    applicationName: options.applicationName,
  });
  try {
    const result = await client.query<{ systemid: string; timeline: string | number; xlogpos: string }>('IDENTIFY_SYSTEM');
    const row = result.rows[0];
    if (!row) throw new EngineError('postgres-failed', 'IDENTIFY_SYSTEM returned no row');
    return { systemId: String(row.systemid), timeline: Number(row.timeline), xlogpos: row.xlogpos };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The SQLSTATE of a pg error, also when connectPostgres wrapped it in an EngineError. */
export function sqlStateOf(error: unknown): string | null {
  // pg's DatabaseError carries the server's severity beside the SQLSTATE; node errors (EPIPE…) do not.
  const own = error as { code?: unknown; severity?: unknown } | null;
  if (typeof own?.code === 'string' && typeof own.severity === 'string') return own.code;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined || cause === error ? null : sqlStateOf(cause);
}

export function settingOf(facts: SessionFacts, name: string): SettingValue | null {
  return facts.settings.get(name) ?? null;
}

/** pg_settings hides superuser-only settings from roles without pg_read_all_settings. */
export function unreadableSetting(facts: SessionFacts, name: string): { ok: false; detail: string; hint: string } {
  return {
    ok: false,
    detail: `${name} is not readable by role ${facts.role}`,
    hint: `as a superuser run: GRANT pg_read_all_settings TO ${facts.role}; (or connect as a superuser)`,
  };
}
