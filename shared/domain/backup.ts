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

export const BackupTablespace = z.object({
  oid: z.number().int().nonnegative(),
  name: z.string(),
  /** where it lives on the PostgreSQL host */
  location: z.string(),
});
export type BackupTablespace = z.infer<typeof BackupTablespace>;

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
  // Added with the backup methods; optional so that earlier backup.json files still read.
  /** e.g. 150018 */
  pgVersionNum: z.number().int().positive().nullable().optional(),
  walSegmentSize: z.number().int().positive().nullable().optional(),
  tablespaces: z.array(BackupTablespace).nullable().optional(),
  /** files in the backup, and how many of them (and their bytes) were hard-linked from reusedFrom */
  files: z.number().int().nonnegative().nullable().optional(),
  reusedFiles: z.number().int().nonnegative().nullable().optional(),
  reusedBytes: z.number().nonnegative().nullable().optional(),
  reusedFrom: BackupId.nullable().optional(),
  /** bytes that came over the wire */
  bytesTransferred: z.number().nonnegative().nullable().optional(),
  /** from the start of the copy to the backup folder's rename */
  durationSeconds: z.number().nonnegative().nullable().optional(),
  /** the Manifest-Checksum of its backup_manifest */
  manifestChecksum: z.string().nullable().optional(),
});
export type BackupInfo = z.infer<typeof BackupInfo>;
