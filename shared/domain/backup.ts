/**
 * A backup's metadata as stored in its backup.json (the source of truth) and
 * indexed by the catalog. Later phases (rsync/postgres methods) fill it in.
 */
import { z } from 'zod';
import { BackupId, Lsn, ServerName } from './names';

export const BackupStatus = z.enum(['STARTED', 'WAITING_FOR_WALS', 'DONE', 'FAILED']);
export type BackupStatus = z.infer<typeof BackupStatus>;

export const BackupMethod = z.enum(['rsync', 'postgres']);
export type BackupMethod = z.infer<typeof BackupMethod>;

export const KeepTarget = z.enum(['full', 'standalone']);
export type KeepTarget = z.infer<typeof KeepTarget>;

export const BackupInfo = z.object({
  formatVersion: z.literal(1),
  server: ServerName,
  backupId: BackupId,
  name: z.string().nullable(),
  status: BackupStatus,
  method: BackupMethod,
  beginTime: z.string(),
  endTime: z.string().nullable(),
  beginLsn: Lsn.nullable(),
  endLsn: Lsn.nullable(),
  beginWal: z.string().nullable(),
  endWal: z.string().nullable(),
  timeline: z.number().int().positive().nullable(),
  systemId: z.string().nullable(),
  pgVersion: z.string().nullable(),
  dataChecksums: z.boolean().nullable(),
  sizeBytes: z.number().nonnegative(),
  /** bytes not shared by hard link with another backup */
  ownBytes: z.number().nonnegative().nullable(),
  walBytes: z.number().nonnegative().nullable(),
  keep: KeepTarget.nullable(),
  error: z.string().nullable(),
});
export type BackupInfo = z.infer<typeof BackupInfo>;
