/**
 * What the doors show of a server's backups: one row per backup for the
 * backups table (sizes, WAL size, retention verdict and its reason), the full
 * detail of one backup, and the outcomes of delete and keep.
 */
import { z } from 'zod';
import { BackupInfo, BackupMethod, BackupStatus, KeepTarget } from './backup';
import { BackupId, ServerName } from './names';

/** The retention verdict of one backup (engine/retention/policy.ts says what each means). */
export const retentionStatuses = ['VALID', 'OBSOLETE', 'POTENTIALLY_OBSOLETE', 'KEEP:FULL', 'KEEP:STANDALONE', 'FAILED', 'IN_PROGRESS'] as const;
export const RetentionStatus = z.enum(retentionStatuses);
export type RetentionStatus = z.infer<typeof RetentionStatus>;

export const RetentionVerdict = z.object({
  status: RetentionStatus,
  /** a sentence saying why */
  reason: z.string(),
});
export type RetentionVerdict = z.infer<typeof RetentionVerdict>;

export const BackupRow = z.object({
  backupId: BackupId,
  name: z.string().nullable(),
  status: BackupStatus,
  method: BackupMethod,
  beginTime: z.string(),
  endTime: z.string().nullable(),
  timeline: z.number().int().positive().nullable(),
  /** the backup's data files, shared or not (Barman's "Size") */
  sizeBytes: z.number().nonnegative(),
  /** on disk and shared with no other backup (its manifest included): what deleting it frees; null until measured */
  ownBytes: z.number().nonnegative().nullable(),
  /** Barman's "WAL size": archived WAL from its begin to the next complete backup's; null for incomplete backups */
  walBytes: z.number().nonnegative().nullable(),
  keep: KeepTarget.nullable(),
  retention: RetentionVerdict,
  error: z.string().nullable(),
});
export type BackupRow = z.infer<typeof BackupRow>;

export const BackupList = z.object({
  server: ServerName,
  /** as barman.conf writes it ('REDUNDANCY 2'); null when none is set */
  retentionPolicy: z.string().nullable(),
  minimumRedundancy: z.number().int().nonnegative(),
  /** newest first */
  rows: z.array(BackupRow),
});
export type BackupList = z.infer<typeof BackupList>;

export const BackupDiskUsage = z.object({
  totalBytes: z.number().nonnegative(),
  ownBytes: z.number().nonnegative(),
  files: z.number().int().nonnegative(),
  /** files hard-linked with another backup */
  sharedFiles: z.number().int().nonnegative(),
});
export type BackupDiskUsage = z.infer<typeof BackupDiskUsage>;

/** Everything `show-backup` prints, as data. */
export const BackupDetail = z.object({
  info: BackupInfo,
  /** measured on disk now; null when its folder is gone (a FAILED backup) */
  diskUsage: BackupDiskUsage.nullable(),
  walBytes: z.number().nonnegative().nullable(),
  retention: RetentionVerdict,
  previousBackup: BackupId.nullable(),
  nextBackup: BackupId.nullable(),
});
export type BackupDetail = z.infer<typeof BackupDetail>;

export const DeletedBackup = z.object({
  backupId: BackupId,
  status: BackupStatus,
  /** the backup's own bytes, given back to the volume */
  freedBytes: z.number().nonnegative().nullable(),
  /** complete backups left */
  remaining: z.number().int().nonnegative(),
});
export type DeletedBackup = z.infer<typeof DeletedBackup>;

export const KeptBackup = z.object({
  backupId: BackupId,
  keep: KeepTarget.nullable(),
});
export type KeptBackup = z.infer<typeof KeptBackup>;
