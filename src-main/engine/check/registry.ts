/**
 * Every check, in the order lines are printed: Barman's order for the checks
 * Barman has, Barkeep's own (wal delivery, incoming WALs queue, free disk
 * space, disk forecast, backup host) at the end. Adding a check means adding it here.
 */
import { archiveCommandCheck, archiveModeCheck, continuousArchivingCheck } from './archive-command-checks';
import {
  backupMaximumAgeCheck, backupMinimumSizeCheck, failedBackupsCheck, minimumRedundancyCheck, retentionPolicyCheck,
} from './backup-checks';
import { backupHostCheck } from './backup-host-check';
import { systemIdCheck } from './identity-check';
import type { CheckDefinition } from './model';
import {
  backupPrivilegesCheck, postgresConnectionCheck, replicationSlotCheck, streamingConnectionCheck, walLevelCheck,
} from './postgres-checks';
import { sshCheck } from './ssh-check';
import { compressionCheck, directoriesCheck, diskForecastCheck, freeDiskSpaceCheck } from './store-checks';
import {
  archiverErrorsCheck, incomingQueueCheck, receiveWalRunningCheck, walArchiveCheck, walDeliveryCheck, walMaximumAgeCheck,
} from './wal-delivery-checks';

export const checkDefinitions: readonly CheckDefinition[] = [
  walArchiveCheck,
  postgresConnectionCheck,
  backupPrivilegesCheck,
  streamingConnectionCheck,
  walLevelCheck,
  replicationSlotCheck,
  directoriesCheck,
  retentionPolicyCheck,
  backupMaximumAgeCheck,
  backupMinimumSizeCheck,
  walMaximumAgeCheck,
  compressionCheck,
  failedBackupsCheck,
  minimumRedundancyCheck,
  sshCheck,
  systemIdCheck,
  receiveWalRunningCheck,
  archiveModeCheck,
  archiveCommandCheck,
  continuousArchivingCheck,
  archiverErrorsCheck,
  walDeliveryCheck,
  incomingQueueCheck,
  freeDiskSpaceCheck,
  diskForecastCheck,
  backupHostCheck,
];
