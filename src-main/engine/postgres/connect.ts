/**
 * Opens `pg` sessions from a libpq conninfo (regular or physical replication)
 * with a connect timeout and cancellation, and reads the facts about the
 * server that checks and backups need. Errors never carry the password.
 */
import os from 'node:os';
import pg from 'pg';
import { EngineError } from '../../../shared/errors';
import { parseConninfo, toPgClientConfig } from './conninfo';
import { createReadBufferSocket } from './read-buffer-socket';
import { findStoredPassword } from './stored-passwords';

export interface ConnectOptions {
  /** Physical walsender session (IDENTIFY_SYSTEM, BASE_BACKUP …; simple queries only). */
  replication?: boolean;
  signal?: AbortSignal;
  /** Overrides the conninfo's connect_timeout; default 10 s. */
  timeoutMs?: number;
  /** Used when the conninfo sets no application_name. */
  applicationName?: string;
  /** Used when the conninfo has no password (the server editor's typed one); else the secret store's is looked up. */
  password?: string;
  /**
   * Reads into one kept buffer (read-buffer-socket.ts), for sessions that
   * stream much data through divertReads; ignored under TLS.
   */
  readBuffer?: boolean;
}

export interface ServerFacts {
  /** e.g. '15.18' */
  version: string;
  /** e.g. 150018 */
  versionNum: number;
  /** pg_control's system identifier, as decimal text (it does not fit a JS number). */
  systemId: string;
  /** null when the role may not read data_directory. */
  dataDirectory: string | null;
  isSuperuser: boolean;
}

const defaultTimeoutMs = 10_000;

/** Connects and returns the client; the caller owns it and must `end()` it. */
export async function connectPostgres(conninfo: string, opts: ConnectOptions = {}): Promise<pg.Client> {
  const parsed = parseConninfo(conninfo);
  const config = toPgClientConfig(parsed, { replication: opts.replication ?? false });
  if (config.application_name === undefined && opts.applicationName !== undefined) {
    config.application_name = opts.applicationName;
  }
  config.connectionTimeoutMillis =
    opts.timeoutMs ?? config.connectionTimeoutMillis ?? defaultTimeoutMs;
  const target = describeTarget(config);
  if (opts.signal?.aborted) throw cancelledError(target);
  // Without one in the conninfo: the given or stored password, else pg's own ~/.pgpass lookup.
  if (config.password === undefined) config.password = opts.password ?? findStoredPassword(conninfo, parsed);

  if (opts.readBuffer && !config.ssl) config.stream = createReadBufferSocket;
  const client = new pg.Client(config);
  // An idle session that dies emits 'error'; unhandled, that would end the
  // process. Pending queries are rejected on their own.
  client.on('error', () => {});
  const abort = (): void => {
    void client.end().catch(() => {});
  };
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    if (opts.signal?.aborted) throw cancelledError(target);
    throw unreachableError(target, error, typeof config.password === 'string' ? config.password : undefined);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

/** Reads version, system identifier, data folder and superuser status (regular sessions only). */
export async function describeServer(client: pg.Client): Promise<ServerFacts> {
  try {
    const result = await client.query<{
      version: string;
      version_num: string;
      system_id: string;
      data_directory: string | null;
      is_superuser: string;
    }>(`
      select current_setting('server_version') as version,
             current_setting('server_version_num') as version_num,
             (select system_identifier::text from pg_control_system()) as system_id,
             (select setting from pg_settings where name = 'data_directory') as data_directory,
             current_setting('is_superuser') as is_superuser`);
    const row = result.rows[0];
    if (!row) throw new Error('no row returned');
    const versionNum = Number(row.version_num);
    return {
      version: /^\d+(\.\d+)*/.exec(row.version)?.[0] ?? formatVersionNum(versionNum),
      versionNum,
      systemId: row.system_id,
      dataDirectory: row.data_directory,
      isSuperuser: row.is_superuser === 'on',
    };
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError(
      'postgres-failed',
      `unable to read server facts: ${errorText(error)}`,
      'connect as a superuser or a role with pg_monitor',
      { cause: error },
    );
  }
}

/** 150018 → '15.18'; 90624 → '9.6.24'. */
export function formatVersionNum(versionNum: number): string {
  if (versionNum >= 100000) return `${Math.floor(versionNum / 10000)}.${versionNum % 10000}`;
  return `${Math.floor(versionNum / 10000)}.${Math.floor(versionNum / 100) % 100}.${versionNum % 100}`;
}

interface Target { host: string; port: number; user: string }

function describeTarget(config: pg.ClientConfig): Target {
  return {
    host: config.host ?? process.env.PGHOST ?? 'localhost',
    port: config.port ?? Number(process.env.PGPORT ?? 5432),
    user: config.user ?? process.env.PGUSER ?? os.userInfo().username,
  };
}

function unreachableError(target: Target, error: unknown, password: string | undefined): EngineError {
  let reason = errorText(error);
  if (password) reason = reason.split(password).join('***');
  // pg's own words when the server asks for a password and none was given.
  if (/client password must be a (non-empty )?string/.test(reason)) reason = 'the server asks for a password, and none was given';
  const where = `${target.host}:${target.port}`;
  return new EngineError(
    'postgres-unreachable',
    `unable to connect to postgresql at ${where} as ${target.user}: ${reason}`,
    hintFor(error, where),
    { cause: error },
  );
}

function hintFor(error: unknown, where: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOENT') {
    return `check that postgresql is running and listening on ${where}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'check the host name in the connection string';
  if (code === '28P01') return 'check the password, or the ~/.pgpass entry for this server';
  if (/client password must be a (non-empty )?string/.test(errorText(error))) return 'type the password in the server editor (it is stored outside the configuration), or add a ~/.pgpass entry';
  if (code === '28000') return "add a pg_hba.conf entry for this host and user on the server, then reload it";
  if (code === '3D000') return 'check dbname in the connection string';
  if (/timeout/i.test(errorText(error))) return `check that ${where} is reachable from this machine (firewall, VPN)`;
  return 'check the connection string and that the server accepts this user from this machine';
}

function cancelledError(target: Target): EngineError {
  return new EngineError('cancelled', `connection to postgresql at ${target.host}:${target.port} was cancelled`);
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner: unknown) => errorText(inner)).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
