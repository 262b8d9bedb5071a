/**
 * Checks of the PostgreSQL server itself, over the shared session and one
 * replication session: the connection, the role's backup privileges, the
 * streaming connection, wal_level and the replication slot. Each failure's hint
 * names the setting, file or SQL to change.
 */
import { EngineError } from '../../../shared/errors';
import type { ServerConfig } from '../config/load';
import { parseConninfo } from '../postgres/conninfo';
import { always, failed, passed, type CheckDefinition, type CheckOutcome } from './model';
import { settingOf, sqlStateOf, unreadableSetting } from './postgres-session';

export const postgresConnectionCheck: CheckDefinition = {
  name: 'PostgreSQL',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    try {
      await ctx.postgres.facts();
      return passed();
    } catch (error) {
      const hint = error instanceof EngineError && error.hint ? error.hint : 'check the connection string';
      return failed(describeError(error), `${hint}; conninfo is set in ${ctx.server.file}`);
    }
  },
};

interface Requirement {
  label: string;
  sql: string;
  /** a role to grant, or a function signature to grant EXECUTE on */
  role?: string;
  fn?: string;
}

/** What a role that is not superuser needs for backups and checks (Barman's list, by server version). */
export function backupRequirements(versionNum: number): Requirement[] {
  const role = (name: string): Requirement => ({ label: name, sql: `pg_has_role(current_user, '${name}', 'MEMBER')`, role: name });
  const fn = (signature: string): Requirement => ({
    label: `execute on ${signature}`, sql: `has_function_privilege(current_user, '${signature}', 'EXECUTE')`, fn: signature,
  });
  const modern = versionNum >= 150000;
  return [
    role('pg_read_all_settings'),
    role('pg_read_all_stats'),
    ...(modern ? [role('pg_checkpoint')] : []),
    fn(modern ? 'pg_backup_start(text, boolean)' : 'pg_start_backup(text, boolean, boolean)'),
    fn(modern ? 'pg_backup_stop(boolean)' : 'pg_stop_backup(boolean, boolean)'),
    fn('pg_switch_wal()'),
    fn('pg_create_restore_point(text)'),
  ];
}

/** The GRANT statements that give `roleName` what it misses. */
export function renderGrants(missing: readonly Requirement[], roleName: string): string {
  const grantee = /^[a-z_][a-z0-9_$]*$/.test(roleName) ? roleName : `"${roleName.replace(/"/g, '""')}"`;
  const roles = missing.flatMap((requirement) => (requirement.role ? [requirement.role] : []));
  const statements = roles.length > 0 ? [`GRANT ${roles.join(', ')} TO ${grantee};`] : [];
  for (const requirement of missing) {
    if (requirement.fn) statements.push(`GRANT EXECUTE ON FUNCTION ${requirement.fn} TO ${grantee};`);
  }
  return statements.join(' ');
}

export const backupPrivilegesCheck: CheckDefinition = {
  name: 'superuser or standard user with backup privileges',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    if (facts.isSuperuser) return passed();
    const requirements = backupRequirements(facts.versionNum);
    const [row] = await ctx.postgres.query<Record<string, boolean>>(
      `select ${requirements.map((requirement, index) => `${requirement.sql} as r${index}`).join(', ')}`);
    const missing = requirements.filter((_, index) => row?.[`r${index}`] !== true);
    if (missing.length === 0) return passed();
    return failed(`role ${facts.role} is not superuser and lacks ${missing.map((requirement) => requirement.label).join(', ')}`,
      `as a superuser run: ${renderGrants(missing, facts.role)}`);
  },
};

export const streamingConnectionCheck: CheckDefinition = {
  name: 'PostgreSQL streaming',
  severity: 'critical',
  appliesTo: (server) => server.streamingArchiver || server.backupMethod === 'postgres',
  async run(ctx) {
    try {
      await ctx.streaming();
      return passed();
    } catch (error) {
      return failed(describeError(error), `${streamingHint(error, ctx.server)}; ${whereStreamingConninfo(ctx.server)}`);
    }
  },
};

function streamingHint(error: unknown, server: ServerConfig): string {
  let user = 'the streaming user';
  try {
    user = parseConninfo(server.streamingConninfo ?? server.conninfo).user ?? user;
  } catch {
    // A conninfo that does not parse fails with its own message.
  }
  switch (sqlStateOf(error)) {
    case '28000':
      return `add a line "host replication ${user} <address of this machine> scram-sha-256" to pg_hba.conf on the server and reload it (SELECT pg_reload_conf())`;
    case '42501':
      return `give the role the replication attribute: ALTER ROLE ${user} REPLICATION`;
    case '53300':
      return 'raise max_wal_senders on the server (postgresql.conf, then restart), or end replication connections nobody uses';
    default:
      return error instanceof EngineError && error.hint ? error.hint : 'check that the server accepts replication connections';
  }
}

function whereStreamingConninfo(server: ServerConfig): string {
  return server.streamingConninfo === null
    ? `streaming uses conninfo (no streaming_conninfo is set in ${server.file})`
    : `streaming_conninfo is set in ${server.file}`;
}

export const walLevelCheck: CheckDefinition = {
  name: 'wal_level',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    const level = settingOf(facts, 'wal_level');
    if (level === null) return unreadableSetting(facts, 'wal_level');
    if (level.setting === 'replica' || level.setting === 'logical') return passed();
    return failed(`wal_level is ${level.setting}${level.pendingRestart ? ' (a change waits for a restart)' : ''}`,
      'set wal_level = replica in postgresql.conf (or ALTER SYSTEM SET wal_level = replica) and restart PostgreSQL');
  },
};

export const replicationSlotCheck: CheckDefinition = {
  name: 'replication slot',
  severity: 'critical',
  appliesTo: (server) => server.streamingArchiver && server.slotName !== null,
  async run(ctx) {
    const facts = await ctx.postgres.require();
    const slotName = ctx.server.slotName ?? '';
    const [slot] = await ctx.postgres.query<{ slot_type: string; active: boolean; wal_status: string | null }>(
      `select slot_type, active, ${facts.versionNum >= 130000 ? 'wal_status' : 'null::text as wal_status'}
         from pg_replication_slots where slot_name = $1`, [slotName]);
    return judgeSlot(ctx.server, slotName, slot ?? null);
  },
};

function judgeSlot(server: ServerConfig, slotName: string, slot: { slot_type: string; active: boolean; wal_status: string | null } | null): CheckOutcome {
  const receiveWal = `barkeep receive-wal ${server.name}`;
  if (slot === null) {
    return failed(`replication slot '${slotName}' does not exist on the server`,
      server.createSlot === 'auto'
        ? `start \`${receiveWal}\`: with create_slot = auto it creates the slot`
        : `create it with \`barkeep receive-wal --create-slot ${server.name}\`, or set create_slot = auto in ${server.file}`);
  }
  if (slot.slot_type !== 'physical') {
    return failed(`replication slot '${slotName}' is a ${slot.slot_type} slot`,
      `set slot_name in ${server.file} to a physical slot's name (receive-wal --create-slot makes one)`);
  }
  if (slot.wal_status === 'lost') {
    return failed(`replication slot '${slotName}' has lost WAL it should have kept (wal_status lost)`,
      `recreate it (\`barkeep receive-wal --drop-slot ${server.name}\`, then --create-slot), raise max_slot_wal_keep_size on the server, and take a new backup: the archive has a gap`);
  }
  if (!slot.active) {
    return failed(`replication slot '${slotName}' is not active: nothing streams from it`,
      `start \`${receiveWal}\`; meanwhile the slot keeps every WAL segment on the server`);
  }
  return passed();
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
