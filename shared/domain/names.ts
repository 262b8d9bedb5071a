/**
 * Branded identifiers shared by every door: server names, backup ids, job ids,
 * LSNs. Validated by zod at each boundary so a malformed one never reaches the engine.
 */
import { z } from 'zod';

export const ServerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a server name is letters, digits, "_", "." or "-"')
  .refine((name) => name !== 'barkeep' && name !== 'barman' && name !== 'all', 'reserved server name')
  .brand<'ServerName'>();
export type ServerName = z.infer<typeof ServerName>;

/** A backup id is the backup's start time, YYYYMMDDTHHMMSS. */
export const BackupId = z
  .string()
  .regex(/^\d{8}T\d{6}$/, 'a backup id looks like 20261124T030000')
  .brand<'BackupId'>();
export type BackupId = z.infer<typeof BackupId>;

export const JobId = z.string().regex(/^[a-z0-9-]{6,64}$/).brand<'JobId'>();
export type JobId = z.infer<typeof JobId>;

/** A PostgreSQL LSN in its text form, e.g. 0/16B3748. */
export const Lsn = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/i).brand<'Lsn'>();
export type Lsn = z.infer<typeof Lsn>;
