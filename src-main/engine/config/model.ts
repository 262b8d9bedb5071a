/**
 * The typed result of loading a configuration: the global settings, one
 * ServerConfig per server section and the warnings met on the way. Types only;
 * load.ts fills them and re-exports them for the rest of the engine.
 */
import type { ConfigWarning } from '../../../shared/domain/server';
import type { ServerName } from '../../../shared/domain/names';
import type { RetentionPolicy, TimeInterval } from './option-values';
import type { HookScriptOption } from './options';
import type { CronExpression } from '../scheduler/cron-expression';

export type { RetentionPolicy, TimeInterval, TimeUnit } from './option-values';

/** 'barman' when the main file has a [barman] section instead of [barkeep]. */
export type ConfigFlavour = 'barkeep' | 'barman';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export interface GlobalConfig {
  /** barkeep_home (barman_home): the catalog lives here, and by default every server's store */
  home: string;
  /** where per-server files are read from and written to */
  configurationFilesDirectory: string;
  lockDirectory: string;
  logFile: string | null;
  logLevel: LogLevel;
  diskWarningFreePercent: number;
  diskCriticalFreePercent: number;
  /** the `disk forecast` check warns when a volume is full within this many days (0: never) */
  diskForecastWarningDays: number;
  /** pg_bin_dir of the global section: where the sandbox's server programs are */
  pgBinDir: string | null;
}

export interface ServerConfig {
  name: ServerName;
  /** the file and line of the server's section header */
  file: string;
  line: number;
  description: string;
  active: boolean;
  conninfo: string;
  /** replication connections; null means use conninfo (Barman's default) */
  streamingConninfo: string | null;
  primaryConninfo: string | null;
  sshCommand: string | null;
  /** seconds the rsync method's SSH connection and PostgreSQL session stay open after a backup, for the next one; 0 closes them */
  connectionPersist: number;
  backupMethod: 'rsync' | 'postgres';
  backupOptions: Array<'concurrent_backup' | 'external_configuration'>;
  /** postgres method: the server's manifest checksums, or hashing on arrival */
  backupChecksums: 'server' | 'local';
  reuseBackup: 'off' | 'copy' | 'link';
  /** warn: the backup host check warns when PostgreSQL runs on this machine; accepted: it passes */
  sameHostBackups: 'warn' | 'accepted';
  parallelJobs: number;
  /** kB/s; null is unlimited */
  bandwidthLimit: number | null;
  networkCompression: boolean;
  immediateCheckpoint: boolean;
  basebackupRetryTimes: number;
  basebackupRetrySleep: number;
  checkTimeout: number;
  compression: 'none' | 'gzip' | 'zstd';
  archiver: boolean;
  archiverBatchSize: number;
  streamingArchiver: boolean;
  streamingArchiverName: string;
  streamingBackupName: string;
  slotName: string | null;
  createSlot: 'auto' | 'manual';
  retentionPolicy: RetentionPolicy | null;
  retentionPolicyMode: 'auto';
  walRetentionPolicy: 'main';
  minimumRedundancy: number;
  lastBackupMaximumAge: TimeInterval | null;
  /** bytes */
  lastBackupMinimumSize: number | null;
  lastWalMaximumAge: TimeInterval | null;
  recoveryOptions: Array<'get-wal'>;
  pathPrefix: string | null;
  backupDirectory: string;
  walsDirectory: string;
  streamingWalsDirectory: string;
  incomingWalsDirectory: string;
  errorsDirectory: string;
  sandboxDataDirectory: string | null;
  pgBinDir: string | null;
  /** backup_schedule: when the scheduler takes backups (local time); null for never */
  backupSchedule: CronExpression | null;
  /** check_schedule: when the scheduler runs the checks; null for never */
  checkSchedule: CronExpression | null;
  /** drill_schedule: when the scheduler drills the newest backup; null for never */
  drillSchedule: CronExpression | null;
  /** drill_validation_sql: a drill's validation queries; empty for the default ones */
  drillValidationSql: string[];
  /** only the hooks that are set */
  hookScripts: Partial<Record<HookScriptOption, string>>;
}

export interface LoadedConfig {
  configFile: string;
  flavour: ConfigFlavour;
  global: GlobalConfig;
  servers: ServerConfig[];
  warnings: ConfigWarning[];
}
