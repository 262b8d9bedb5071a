/**
 * The option schema: every option Barkeep reads, in one table — its scope (the
 * global section, server sections, or both), its value parser, its default and
 * a short doc. Barman's names where the meaning is the same; Barkeep's own
 * options are marked `extension`. Turning sections into configs is load.ts's job.
 */
import {
  choiceParser,
  integerParser,
  parseBoolean,
  parseByteSize,
  parsePath,
  parsePercent,
  parseRetentionPolicy,
  parseSlotName,
  parseText,
  timeIntervalParser,
  wordSetParser,
  type ParseContext,
  type RetentionPolicy,
  type TimeInterval,
  type ValueParser,
} from './option-values';
import { parseCronExpression, type CronExpression } from '../scheduler/cron-expression';

/** A schedule option: a cron expression, or off. */
const parseCronSchedule = (raw: string): CronExpression | null => (raw.trim().toLowerCase() === 'off' ? null : parseCronExpression(raw));

/** 'both': allowed in the global section, where it is the default for every server. */
export type OptionScope = 'global' | 'server' | 'both';
export type SectionKind = 'global' | 'server';

export interface OptionSpec<T> {
  scope: OptionScope;
  parse: ValueParser<T>;
  /** used when the option is absent, empty or `none`; null defaults of paths are computed by load.ts */
  default: T;
  doc: string;
  /** a Barkeep option Barman does not have */
  extension?: true;
}

/** T comes from the parser alone, so a literal default does not widen a choice to string. */
function option<T>(spec: Omit<OptionSpec<T>, 'default'> & { default: NoInfer<T> }): OptionSpec<T> {
  return spec;
}

const text = (scope: OptionScope, doc: string) => option<string | null>({ scope, parse: parseText, default: null, doc });
const folder = (scope: OptionScope, doc: string) => option<string | null>({ scope, parse: parsePath, default: null, doc });
const nonNegative = integerParser(0);

const compressionRefused = Object.fromEntries(
  ['bzip2', 'pigz', 'pygzip', 'pybzip2', 'lz4', 'xz', 'snappy', 'custom'].map((name) => [
    name,
    'Barkeep compresses WAL with gzip or zstd only; set compression = gzip or zstd (or none).',
  ]),
);

export const hookScriptOptions = [
  'pre_archive_script', 'pre_archive_retry_script', 'post_archive_script', 'post_archive_retry_script',
  'pre_backup_script', 'pre_backup_retry_script', 'post_backup_script', 'post_backup_retry_script',
  'pre_delete_script', 'pre_delete_retry_script', 'post_delete_script', 'post_delete_retry_script',
  'pre_recovery_script', 'pre_recovery_retry_script', 'post_recovery_script', 'post_recovery_retry_script',
  'pre_wal_delete_script', 'pre_wal_delete_retry_script', 'post_wal_delete_script', 'post_wal_delete_retry_script',
] as const;
export type HookScriptOption = (typeof hookScriptOptions)[number];

const hookScriptSchema = Object.fromEntries(
  hookScriptOptions.map((name) => [name, text('both', 'a shell command run around the event its name says (as in Barman)')]),
) as Record<HookScriptOption, OptionSpec<string | null>>;

export const optionSchema = {
  // The global section only.
  barkeep_home: folder('global', 'the folder holding the catalog and, by default, every server\'s store (Barman: barman_home); defaults to the configuration file\'s folder'),
  barman_user: text('global', 'the OS user Barman runs as; accepted when reading a Barman file and ignored'),
  configuration_files_directory: folder('global', 'the folder of per-server *.conf files, relative to the main file\'s folder'),
  log_file: folder('global', 'where the log goes; none logs to standard error only'),
  log_level: option({ scope: 'global', parse: choiceParser(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']), default: 'INFO', doc: 'the least severe log level written' }),
  lock_directory: folder('global', 'where lock files go (Barman: barman_lock_directory); defaults to barkeep_home'),
  disk_warning_free_percent: option({ scope: 'global', parse: parsePercent, default: 20, extension: true, doc: 'below this share of free space on a store\'s volume, health turns to warning' }),
  disk_critical_free_percent: option({ scope: 'global', parse: parsePercent, default: 10, extension: true, doc: 'below this share of free space, health fails and backups refuse to start' }),
  disk_forecast_warning_days: option({ scope: 'global', parse: nonNegative, default: 7, extension: true, doc: 'warn when the disk forecast says a store\'s volume is full within this many days; 0 turns the warning off' }),

  // A server section, or the global section as the default for every server.
  archiver: option({ scope: 'both', parse: parseBoolean, default: false, doc: 'take WAL files pushed by archive_command into incoming_wals_directory' }),
  archiver_batch_size: option({ scope: 'both', parse: nonNegative, default: 0, doc: 'WAL files taken in per archiver run; 0 takes all' }),
  backup_method: option({
    scope: 'both',
    parse: choiceParser(['rsync', 'postgres'], {
      'local-rsync': 'Barkeep copies files with rsync over SSH or streams them with BASE_BACKUP; set backup_method = rsync or postgres.',
      snapshot: 'Barkeep does not take cloud disk snapshots; set backup_method = postgres or rsync.',
    }),
    default: 'rsync',
    doc: 'rsync (files over SSH, unchanged ones hard-linked) or postgres (the BASE_BACKUP stream)',
  }),
  backup_checksums: option({
    scope: 'both',
    parse: choiceParser(['server', 'local']),
    default: 'server',
    extension: true,
    doc: 'postgres method: who computes the SHA-256 of each file for the manifest: server (the walsender, as pg_basebackup --manifest-checksums=SHA256) or local (Barkeep, on arrival; no CPU on the database server)',
  }),
  backup_options: option({
    scope: 'both',
    parse: wordSetParser(['concurrent_backup', 'external_configuration'], {
      exclusive_backup: 'Barkeep always takes concurrent backups; remove exclusive_backup (PostgreSQL 15 dropped exclusive backups).',
    }),
    default: [],
    doc: 'comma-separated: concurrent_backup, external_configuration',
  }),
  bandwidth_limit: option<number | null>({ scope: 'both', parse: (raw, context) => nonNegative(raw, context) || null, default: null, doc: 'copy limit in kB/s for rsync backups and recoveries; 0 is unlimited' }),
  basebackup_retry_sleep: option({ scope: 'both', parse: nonNegative, default: 30, doc: 'seconds between attempts to copy a base backup' }),
  basebackup_retry_times: option({ scope: 'both', parse: nonNegative, default: 0, doc: 'extra attempts to copy a base backup after a failure' }),
  check_timeout: option({ scope: 'both', parse: nonNegative, default: 30, doc: 'seconds a check may take before it fails' }),
  compression: option({ scope: 'both', parse: choiceParser(['none', 'gzip', 'zstd'], compressionRefused), default: 'none', doc: 'how archived WAL files are compressed: none, gzip or zstd' }),
  connection_persist: option({ scope: 'both', parse: nonNegative, default: 60, extension: true, doc: 'seconds an rsync backup\'s SSH connection and PostgreSQL session stay open after it, for the next backup of the server to skip the login and a fresh backend (as OpenSSH\'s ControlPersist); 0 closes them at once' }),
  create_slot: option({ scope: 'both', parse: choiceParser(['auto', 'manual']), default: 'manual', doc: 'auto creates slot_name on the server when the streaming archiver starts' }),
  immediate_checkpoint: option({ scope: 'both', parse: parseBoolean, default: false, doc: 'ask for an immediate checkpoint when a backup starts' }),
  last_backup_maximum_age: option<TimeInterval | null>({ scope: 'both', parse: timeIntervalParser(true), default: null, doc: 'a check fails when the last backup is older, e.g. 1 WEEK' }),
  last_backup_minimum_size: option<number | null>({ scope: 'both', parse: parseByteSize, default: null, doc: 'a check fails when the last backup is smaller, e.g. 1 Gi' }),
  last_wal_maximum_age: option<TimeInterval | null>({ scope: 'both', parse: timeIntervalParser(true), default: null, doc: 'a check fails when the last archived WAL is older, e.g. 6 HOURS' }),
  minimum_redundancy: option({ scope: 'both', parse: nonNegative, default: 0, doc: 'backups retention never deletes below' }),
  network_compression: option({ scope: 'both', parse: parseBoolean, default: false, doc: 'compress the rsync method\'s traffic: zstd -1 when the server has zstd, else gzip -1' }),
  parallel_jobs: option({ scope: 'both', parse: integerParser(1), default: 1, doc: 'parallel copies for rsync backups and recoveries' }),
  path_prefix: text('both', 'folders searched first for PostgreSQL client programs, colon-separated'),
  recovery_options: option({ scope: 'both', parse: wordSetParser(['get-wal']), default: [], doc: 'get-wal: the restored server fetches WAL from Barkeep' }),
  retention_policy: option<RetentionPolicy | null>({ scope: 'both', parse: parseRetentionPolicy, default: null, doc: 'REDUNDANCY N or RECOVERY WINDOW OF N DAYS|WEEKS|MONTHS' }),
  retention_policy_mode: option({ scope: 'both', parse: choiceParser(['auto']), default: 'auto', doc: 'auto: retention runs after backups and on schedule' }),
  reuse_backup: option({ scope: 'both', parse: choiceParser(['off', 'copy', 'link']), default: 'off', doc: 'rsync backups: link (hard-link unchanged files), copy, or off' }),
  same_host_backups: option({
    scope: 'both',
    parse: choiceParser(['warn', 'accepted']),
    default: 'warn',
    extension: true,
    doc: 'warn: the backup host check warns when PostgreSQL runs on the machine that keeps its backups (losing it loses both); accepted: on purpose, the store is copied elsewhere',
  }),
  slot_name: option<string | null>({ scope: 'both', parse: parseSlotName, default: null, doc: 'the replication slot the streaming archiver uses' }),
  streaming_archiver: option({ scope: 'both', parse: parseBoolean, default: false, doc: 'stream WAL over the replication protocol' }),
  streaming_archiver_name: option({ scope: 'both', parse: parseText, default: 'barkeep_receive_wal', doc: 'application_name of the streaming archiver\'s connection' }),
  streaming_backup_name: option({ scope: 'both', parse: parseText, default: 'barkeep_streaming_backup', doc: 'application_name of a postgres-method backup\'s connection' }),
  wal_retention_policy: option({ scope: 'both', parse: choiceParser(['main']), default: 'main', doc: 'main: WAL is kept as long as the backups that need it' }),
  pg_bin_dir: option<string | null>({ scope: 'both', parse: parsePath, default: null, extension: true, doc: 'the folder of PostgreSQL server programs (initdb, pg_ctl); searched for when unset' }),
  backup_schedule: option<CronExpression | null>({ scope: 'both', parse: parseCronSchedule, default: null, extension: true, doc: 'when the scheduler takes backups: a cron expression in local time, e.g. 0 3 * * * or @daily; off for none' }),
  drill_schedule: option<CronExpression | null>({ scope: 'both', parse: parseCronSchedule, default: null, extension: true, doc: 'when the scheduler runs a restore drill of the newest backup to the latest archived WAL: a cron expression in local time, e.g. 0 4 * * sun; off (the default) for never' }),
  drill_validation_sql: option<string[]>({ scope: 'both', parse: (raw) => raw.split('\n').map((line) => line.trim()).filter((line) => line !== ''), default: [], extension: true, doc: 'validation queries of a drill, one per line (continuation lines), run in the postgres database of the restored copy; empty: select 1 and the number of tables per database' }),
  check_schedule: option<CronExpression | null>({ scope: 'both', parse: parseCronSchedule, default: parseCronExpression('*/15 * * * *'), extension: true, doc: 'when the scheduler runs the checks: a cron expression in local time (every 15 minutes by default); off for never' }),
  ...hookScriptSchema,

  // A server section only.
  active: option({ scope: 'server', parse: parseBoolean, default: true, doc: 'off keeps the server configured but skipped by backups and archiving' }),
  conninfo: text('server', 'libpq connection string of a normal connection to the server (required)'),
  description: option({ scope: 'server', parse: parseText, default: '', doc: 'free text shown with the server' }),
  primary_conninfo: text('server', 'for a standby: connection string of its primary'),
  ssh_command: text('server', 'how to reach the database host, e.g. ssh postgres@pg; needed by rsync backups'),
  streaming_conninfo: text('server', 'connection string of replication connections; conninfo when unset'),
  backup_directory: folder('server', 'the server\'s store; <barkeep_home>/<server> by default'),
  wals_directory: folder('server', 'archived WAL; <backup_directory>/wals by default'),
  incoming_wals_directory: folder('server', 'WAL pushed by archive_command lands here; <backup_directory>/incoming by default'),
  streaming_wals_directory: folder('server', 'WAL written by the streaming archiver; <backup_directory>/streaming by default'),
  errors_directory: folder('server', 'WAL files that could not be archived; <backup_directory>/errors by default'),
  sandbox_data_directory: option<string | null>({ scope: 'server', parse: parsePath, default: null, extension: true, doc: 'set on the local sandbox cluster Barkeep created: its data directory' }),
};

export type OptionName = keyof typeof optionSchema;
export type OptionValue<N extends OptionName> = (typeof optionSchema)[N] extends OptionSpec<infer T> ? T : never;

/** Barman's names for Barkeep options. */
export const optionAliases: Readonly<Record<string, OptionName>> = {
  barman_home: 'barkeep_home',
  barman_lock_directory: 'lock_directory',
};

/** Barman options Barkeep knows of but does not support: warned about by name, then ignored. */
const barmanOnlyOptions = new Set([
  'autogenerate_manifest', 'aws_profile', 'aws_region', 'azure_credential', 'azure_resource_group',
  'azure_subscription_id', 'backup_compression', 'backup_compression_format', 'backup_compression_level',
  'backup_compression_location', 'backup_compression_workers', 'basebackups_directory', 'cluster',
  'compression_level', 'custom_compression_filter', 'custom_compression_magic', 'custom_decompression_filter',
  'encryption', 'encryption_key_id', 'forward_config_path', 'gcp_project', 'gcp_zone', 'keepalive_interval',
  'local_staging_path', 'log_format', 'max_incoming_wals_queue', 'model', 'primary_checkpoint_timeout',
  'primary_ssh_command', 'recovery_staging_path', 'snapshot_disks', 'snapshot_gcp_project', 'snapshot_instance',
  'snapshot_provider', 'snapshot_zone', 'streaming_archiver_batch_size', 'tablespace_bandwidth_limit',
  'wal_conninfo', 'wal_streaming_conninfo', 'worm_mode',
]);

/** The schema option a name in a file stands for, following Barman aliases; null if unknown. */
export function canonicalOptionName(name: string): OptionName | null {
  const lowered = name.toLowerCase();
  if (Object.hasOwn(optionSchema, lowered)) return lowered as OptionName;
  return optionAliases[lowered] ?? null;
}

export function optionSpec(name: OptionName): OptionSpec<unknown> {
  return optionSchema[name] as OptionSpec<unknown>;
}

export function fitsSection(name: OptionName, section: SectionKind): boolean {
  const { scope } = optionSchema[name];
  return scope === 'both' || scope === section;
}

/**
 * Barman's reading of a value: a literal `none` (any case) or an empty value
 * means "use the default"; one pair of surrounding quotes is dropped.
 */
export function normaliseRawValue(raw: string): string {
  if (raw.toLowerCase() === 'none') return '';
  const quoted = /^(["'])([\s\S]*)\1$/.exec(raw);
  return quoted ? (quoted[2] ?? '') : raw;
}

/** Parses a value of a known option; throws OptionValueError. */
export function parseOptionValue<N extends OptionName>(name: N, raw: string, context: ParseContext): OptionValue<N> {
  const spec = optionSpec(name);
  const value = normaliseRawValue(raw);
  return (value.trim() === '' ? spec.default : spec.parse(value, context)) as OptionValue<N>;
}

/** A warning's message about an option the schema does not know (the warning names the option). */
export function describeUnknownOption(name: string, sectionName: string): string {
  return barmanOnlyOptions.has(name)
    ? `barman option not supported by barkeep, ignored in [${sectionName}]`
    : `unknown option, ignored in [${sectionName}]`;
}

/** A warning's message about a known option in a section where it has no meaning. */
export function describeMisplacedOption(section: SectionKind, sectionName: string): string {
  return section === 'global'
    ? `belongs in a server section, ignored in [${sectionName}]`
    : `belongs in the global section, ignored in [${sectionName}]`;
}
