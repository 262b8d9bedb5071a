/**
 * Builds one ServerConfig from a server section's values, the global section's
 * values and the schema defaults (server > global > default), including the
 * store folders that default to Barman's layout under <home>/<server>.
 */
import path from 'node:path';
import type { ConfigWarning } from '../../../shared/domain/server';
import type { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { ServerConfig } from './model';
import { hookScriptOptions, type HookScriptOption, type OptionName, type OptionValue } from './options';
import { pickValue, type SectionValues } from './section-values';

export interface ServerSectionPlace {
  name: ServerName;
  file: string;
  line: number;
}

export function buildServerConfig(
  place: ServerSectionPlace,
  own: SectionValues,
  global: SectionValues,
  home: string,
): ServerConfig {
  const pick = <N extends OptionName>(name: N): OptionValue<N> => pickValue(name, own, global);

  const conninfo = pick('conninfo');
  if (conninfo === null) {
    throw new EngineError('config-invalid', `${place.file}:${place.line}: server '${place.name}' has no conninfo`,
      `Add a line such as "conninfo = host=pg.example.com user=barman dbname=postgres" to [${place.name}].`);
  }
  const backupDirectory = pick('backup_directory') ?? path.join(home, place.name);
  const hookScripts: Partial<Record<HookScriptOption, string>> = {};
  for (const hook of hookScriptOptions) {
    const command = pick(hook);
    if (command !== null) hookScripts[hook] = command;
  }

  return {
    name: place.name,
    file: place.file,
    line: place.line,
    description: pick('description'),
    active: pick('active'),
    conninfo,
    streamingConninfo: pick('streaming_conninfo'),
    primaryConninfo: pick('primary_conninfo'),
    sshCommand: pick('ssh_command'),
    connectionPersist: pick('connection_persist'),
    backupMethod: pick('backup_method'),
    backupOptions: pick('backup_options'),
    backupChecksums: pick('backup_checksums'),
    reuseBackup: pick('reuse_backup'),
    sameHostBackups: pick('same_host_backups'),
    parallelJobs: pick('parallel_jobs'),
    bandwidthLimit: pick('bandwidth_limit'),
    networkCompression: pick('network_compression'),
    immediateCheckpoint: pick('immediate_checkpoint'),
    basebackupRetryTimes: pick('basebackup_retry_times'),
    basebackupRetrySleep: pick('basebackup_retry_sleep'),
    checkTimeout: pick('check_timeout'),
    compression: pick('compression'),
    archiver: pick('archiver'),
    archiverBatchSize: pick('archiver_batch_size'),
    streamingArchiver: pick('streaming_archiver'),
    streamingArchiverName: pick('streaming_archiver_name'),
    streamingBackupName: pick('streaming_backup_name'),
    slotName: pick('slot_name'),
    createSlot: pick('create_slot'),
    retentionPolicy: pick('retention_policy'),
    retentionPolicyMode: pick('retention_policy_mode'),
    walRetentionPolicy: pick('wal_retention_policy'),
    minimumRedundancy: pick('minimum_redundancy'),
    lastBackupMaximumAge: pick('last_backup_maximum_age'),
    lastBackupMinimumSize: pick('last_backup_minimum_size'),
    lastWalMaximumAge: pick('last_wal_maximum_age'),
    recoveryOptions: pick('recovery_options'),
    pathPrefix: pick('path_prefix'),
    backupDirectory,
    walsDirectory: pick('wals_directory') ?? path.join(backupDirectory, 'wals'),
    streamingWalsDirectory: pick('streaming_wals_directory') ?? path.join(backupDirectory, 'streaming'),
    incomingWalsDirectory: pick('incoming_wals_directory') ?? path.join(backupDirectory, 'incoming'),
    errorsDirectory: pick('errors_directory') ?? path.join(backupDirectory, 'errors'),
    sandboxDataDirectory: pick('sandbox_data_directory'),
    pgBinDir: pick('pg_bin_dir'),
    backupSchedule: pick('backup_schedule'),
    checkSchedule: pick('check_schedule'),
    drillSchedule: pick('drill_schedule'),
    drillValidationSql: pick('drill_validation_sql'),
    hookScripts,
  };
}

const storeFolders = [
  ['backup_directory', 'backupDirectory'],
  ['wals_directory', 'walsDirectory'],
  ['streaming_wals_directory', 'streamingWalsDirectory'],
  ['incoming_wals_directory', 'incomingWalsDirectory'],
  ['errors_directory', 'errorsDirectory'],
] as const;

/** Two servers sharing a store folder would delete each other's files; Barman flags it too. */
export function findSharedFolders(servers: ServerConfig[]): ConfigWarning[] {
  const owners = new Map<string, { server: ServerConfig; option: string }>();
  const warnings: ConfigWarning[] = [];
  for (const server of servers) {
    for (const [option, field] of storeFolders) {
      const folder = path.resolve(server[field]);
      const owner = owners.get(folder);
      if (owner && owner.server !== server) {
        warnings.push({
          file: server.file,
          line: server.line,
          option,
          message: `server '${server.name}' shares '${folder}' with server '${owner.server.name}' (its ${owner.option})`,
        });
      } else if (!owner) {
        owners.set(folder, { server, option });
      }
    }
  }
  return warnings;
}
