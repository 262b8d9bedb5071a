/**
 * Parses libpq connection strings (keyword/value and postgresql:// URI forms)
 * the way libpq does, turns them into a `pg` client config, and redacts
 * passwords for display. Pure: never connects and never logs a password.
 */
import { readFileSync } from 'node:fs';
import type { ClientConfig } from 'pg';
import { EngineError } from '../../../shared/errors';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface Conninfo {
  host?: string;
  hostaddr?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: string;
  sslmode?: SslMode;
  applicationName?: string;
  connectTimeoutSeconds?: number;
  replication?: string;
  /** Every keyword as written (libpq names, values unescaped), password included. */
  keywords: Record<string, string>;
}

/** A `pg` client config; `replication` is read by pg but missing from its types. */
export type PgClientConfig = ClientConfig & { replication?: string };

// libpq's keywords (PostgreSQL 17). Keywords pg cannot honour are accepted
// when ignoring them is harmless, refused in toPgClientConfig otherwise.
const knownKeywords = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'passfile', 'channel_binding',
  'connect_timeout', 'client_encoding', 'options', 'application_name',
  'fallback_application_name', 'keepalives', 'keepalives_idle', 'keepalives_interval',
  'keepalives_count', 'tcp_user_timeout', 'replication', 'gssencmode', 'sslmode',
  'sslnegotiation', 'requiressl', 'sslcompression', 'sslcert', 'sslkey', 'sslcertmode',
  'sslpassword', 'sslrootcert', 'sslcrl', 'sslcrldir', 'sslsni', 'requirepeer',
  'require_auth', 'ssl_min_protocol_version', 'ssl_max_protocol_version', 'krbsrvname',
  'gsslib', 'gssdelegation', 'service', 'target_session_attrs', 'load_balance_hosts',
]);
const sslModes: readonly string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const invalidHint = 'write the connection string as libpq does, e.g. "host=db1 port=5432 user=barman dbname=postgres"';

interface Pair { keyword: string; value: string; start: number; end: number }

/** Parses a conninfo string in either libpq form; unknown keywords are an error. */
export function parseConninfo(conninfo: string): Conninfo {
  const pairs = isUri(conninfo) ? parseUri(conninfo).pairs : parseKeywordValue(conninfo);
  const keywords: Record<string, string> = {};
  for (const { keyword, value } of pairs) {
    if (!knownKeywords.has(keyword)) throw invalid(`unknown keyword '${keyword}' in connection string`);
    keywords[keyword] = value;
  }
  return describeKeywords(keywords);
}

/** Returns the conninfo with any password removed, keeping the rest as written. */
export function redactConninfo(conninfo: string): string {
  try {
    if (isUri(conninfo)) {
      const { pairs, userPasswordSpan } = parseUri(conninfo);
      const spans = pairs.filter((pair) => pair.keyword === 'password' && pair.start >= 0);
      if (userPasswordSpan) spans.push({ keyword: 'password', value: '', ...userPasswordSpan });
      return cutSpans(conninfo, spans).replace(/\?&+/, '?').replace(/&&+/g, '&').replace(/[?&]$/, '');
    }
    const spans = parseKeywordValue(conninfo).filter((pair) => pair.keyword === 'password');
    return cutSpans(conninfo, spans).replace(/\s{2,}/g, ' ').trim();
  } catch {
    // Unparseable text still goes to logs: scrub anything that looks like a password.
    return conninfo
      .replace(/password\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)/gi, '')
      .replace(/(:\/\/[^:/@]*):[^@/]*@/, '$1@');
  }
}

/** Builds the `pg` client config; `replication` opens a physical walsender session. */
export function toPgClientConfig(conninfo: Conninfo, opts: { replication?: boolean } = {}): PgClientConfig {
  const k = conninfo.keywords;
  for (const keyword of ['service', 'requirepeer', 'require_auth', 'gssencmode', 'sslcrl', 'sslcrldir']) {
    if (k[keyword] !== undefined && !(keyword === 'gssencmode' && k[keyword] !== 'require')) {
      throw invalid(`connection keyword '${keyword}' is not supported by barkeep`);
    }
  }
  if ((conninfo.host ?? '').includes(',') || (conninfo.hostaddr ?? '').includes(',')) {
    throw invalid('connection strings with several hosts are not supported by barkeep');
  }
  const config: PgClientConfig = {
    host: conninfo.hostaddr ?? conninfo.host,
    port: conninfo.port,
    user: conninfo.user,
    database: conninfo.database,
    password: conninfo.password,
    application_name: conninfo.applicationName,
    fallback_application_name: k.fallback_application_name,
    options: k.options,
    client_encoding: k.client_encoding,
  };
  if (conninfo.connectTimeoutSeconds !== undefined && conninfo.connectTimeoutSeconds > 0) {
    config.connectionTimeoutMillis = conninfo.connectTimeoutSeconds * 1000;
  }
  if (k.keepalives !== undefined) config.keepAlive = k.keepalives !== '0';
  if (k.keepalives_idle !== undefined) config.keepAliveInitialDelayMillis = Number(k.keepalives_idle) * 1000;
  if (k.channel_binding === 'require' || k.channel_binding === 'prefer') config.enableChannelBinding = true;
  if (conninfo.sslmode !== undefined) config.ssl = buildSslOptions(conninfo);
  if (opts.replication) config.replication = 'true';
  else if (conninfo.replication !== undefined) config.replication = conninfo.replication;
  return config;
}

function buildSslOptions(conninfo: Conninfo): PgClientConfig['ssl'] {
  const k = conninfo.keywords;
  // pg cannot retry without TLS as libpq does for allow/prefer; plain text is
  // what those modes give against a server without SSL.
  if (conninfo.sslmode === 'disable' || conninfo.sslmode === 'allow' || conninfo.sslmode === 'prefer') return false;
  const ssl: Exclude<PgClientConfig['ssl'], boolean | undefined> = {
    rejectUnauthorized: conninfo.sslmode !== 'require',
  };
  if (conninfo.sslmode === 'verify-ca') ssl.checkServerIdentity = () => undefined;
  if (conninfo.hostaddr && conninfo.host) ssl.servername = conninfo.host;
  if (k.sslrootcert && k.sslrootcert !== 'system') ssl.ca = readSslFile(k.sslrootcert, 'sslrootcert');
  if (k.sslcert) ssl.cert = readSslFile(k.sslcert, 'sslcert');
  if (k.sslkey) ssl.key = readSslFile(k.sslkey, 'sslkey');
  if (k.sslpassword) ssl.passphrase = k.sslpassword;
  return ssl;
}

function readSslFile(file: string, keyword: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new EngineError('io-failed', `unable to read ${keyword} file '${file}'`, 'check the path and its permissions', { cause: error });
  }
}

function describeKeywords(keywords: Record<string, string>): Conninfo {
  const info: Conninfo = { keywords };
  if (keywords.host !== undefined && keywords.host !== '') info.host = keywords.host;
  if (keywords.hostaddr !== undefined && keywords.hostaddr !== '') info.hostaddr = keywords.hostaddr;
  if (keywords.port !== undefined && keywords.port !== '') {
    const port = Number(keywords.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`invalid port '${keywords.port}' in connection string`);
    info.port = port;
  }
  if (keywords.user !== undefined && keywords.user !== '') info.user = keywords.user;
  if (keywords.dbname !== undefined && keywords.dbname !== '') info.database = keywords.dbname;
  if (keywords.password !== undefined) info.password = keywords.password;
  if (keywords.sslmode !== undefined) {
    if (!sslModes.includes(keywords.sslmode)) throw invalid(`invalid sslmode '${keywords.sslmode}' in connection string`);
    info.sslmode = keywords.sslmode as SslMode;
  } else if (keywords.requiressl === '1') {
    info.sslmode = 'require';
  }
  if (keywords.application_name !== undefined) info.applicationName = keywords.application_name;
  if (keywords.connect_timeout !== undefined && keywords.connect_timeout !== '') {
    const seconds = Number(keywords.connect_timeout);
    if (!Number.isInteger(seconds)) throw invalid(`invalid connect_timeout '${keywords.connect_timeout}' in connection string`);
    info.connectTimeoutSeconds = seconds;
  }
  if (keywords.replication !== undefined) info.replication = keywords.replication;
  return info;
}

function isUri(conninfo: string): boolean {
  return /^\s*postgres(ql)?:\/\//.test(conninfo);
}

/** libpq's keyword = value syntax: values single-quoted or bare, `\` escapes the next character. */
function parseKeywordValue(text: string): Pair[] {
  const pairs: Pair[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= text.length) return pairs;
    const start = i;
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i]!)) i++;
    const keyword = text.slice(start, i);
    skipSpace();
    if (text[i] !== '=') {
      // A stray word after an unquoted password with a space is part of that password.
      const shown = pairs.at(-1)?.keyword === 'password' ? 'the password' : `'${keyword}'`;
      throw invalid(`missing "=" after ${shown} in connection string`);
    }
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= text.length) throw invalid('unterminated quoted string in connection string');
        const ch = text[i++]!;
        if (ch === "'") break;
        if (ch === '\\' && i < text.length) value += text[i++];
        else value += ch;
      }
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        const ch = text[i++]!;
        if (ch === '\\' && i < text.length) value += text[i++];
        else value += ch;
      }
    }
    pairs.push({ keyword, value, start, end: i });
  }
}

/** postgresql://[user[:password]@][host][:port][,...][/dbname][?keyword=value&...] */
function parseUri(uri: string): { pairs: Pair[]; userPasswordSpan: { start: number; end: number } | null } {
  const offset = uri.indexOf('://') + 3;
  const queryAt = uri.indexOf('?', offset);
  const end = queryAt === -1 ? uri.length : queryAt;
  const slashAt = uri.indexOf('/', offset);
  const authorityEnd = slashAt === -1 || slashAt > end ? end : slashAt;
  const pairs: Pair[] = [];
  const add = (keyword: string, raw: string): void => {
    pairs.push({ keyword, value: decodePercent(raw, keyword), start: -1, end: -1 });
  };
  let hostStart = offset;
  let userPasswordSpan: { start: number; end: number } | null = null;
  const atIndex = uri.lastIndexOf('@', authorityEnd - 1);
  if (atIndex >= offset) {
    const userinfo = uri.slice(offset, atIndex);
    const colon = userinfo.indexOf(':');
    if (colon === -1) add('user', userinfo);
    else {
      add('user', userinfo.slice(0, colon));
      add('password', userinfo.slice(colon + 1));
      userPasswordSpan = { start: offset + colon, end: atIndex };
    }
    hostStart = atIndex + 1;
  }
  const hosts: string[] = [];
  const ports: string[] = [];
  for (const hostport of uri.slice(hostStart, authorityEnd).split(',')) {
    const match = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport);
    if (!match) throw invalid(`invalid host '${hostport}' in connection uri`);
    hosts.push(decodePercent((match[1] ?? '').replace(/^\[(.*)\]$/, '$1'), 'host'));
    ports.push(match[2] ?? '');
  }
  if (hosts.some((host) => host !== '')) add('host', hosts.join(','));
  if (ports.some((port) => port !== '')) add('port', ports.join(','));
  if (authorityEnd < end) {
    const dbname = uri.slice(authorityEnd + 1, end);
    if (dbname !== '') add('dbname', dbname);
  }
  if (queryAt !== -1) {
    let position = queryAt + 1;
    for (const param of uri.slice(queryAt + 1).split('&')) {
      const eq = param.indexOf('=');
      if (param !== '') {
        if (eq === -1) throw invalid(`missing "=" in connection uri parameter '${param}'`);
        const keyword = decodePercent(param.slice(0, eq), 'parameter name');
        const value = decodePercent(param.slice(eq + 1), keyword);
        // libpq accepts JDBC's ssl=true as sslmode=require.
        if (keyword === 'ssl' && value === 'true') pairs.push({ keyword: 'sslmode', value: 'require', start: position, end: position + param.length });
        else pairs.push({ keyword, value, start: position, end: position + param.length });
      }
      position += param.length + 1;
    }
  }
  return { pairs, userPasswordSpan };
}

function decodePercent(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // The text is not echoed: it may be a password.
    throw invalid(`invalid percent-encoding in the ${what} of the connection uri`);
  }
}

function cutSpans(text: string, spans: Array<{ start: number; end: number }>): string {
  let out = text;
  for (const span of [...spans].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, span.start) + out.slice(span.end);
  }
  return out;
}

function invalid(message: string): EngineError {
  return new EngineError('config-invalid', message, invalidHint);
}
