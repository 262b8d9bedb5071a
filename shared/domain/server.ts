/**
 * What the doors know of a configured PostgreSQL server: its configuration as
 * read (secrets never included) and the facts the engine last learnt about it.
 */
import { z } from 'zod';
import { ServerName } from './names';

export const Health = z.enum(['ok', 'warning', 'failed', 'unknown']);
export type Health = z.infer<typeof Health>;

export const FailingCheck = z.object({
  name: z.string(),
  severity: z.enum(['critical', 'warning']),
  detail: z.string(),
  hint: z.string().nullable(),
});
export type FailingCheck = z.infer<typeof FailingCheck>;

/** One line of the last `check` run, passed or not, as the server view lists them. */
export const CheckResult = FailingCheck.extend({
  ok: z.boolean(),
  checkedAt: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const ServerSummary = z.object({
  name: ServerName,
  description: z.string(),
  active: z.boolean(),
  backupMethod: z.enum(['rsync', 'postgres']),
  /** conninfo with any password removed */
  conninfo: z.string(),
  configFile: z.string(),
  isSandbox: z.boolean(),
  systemId: z.string().nullable(),
  pgVersion: z.string().nullable(),
  health: Health,
  /** the checks that failed in the last `check` run, critical first */
  failingChecks: z.array(FailingCheck),
  checkedAt: z.string().nullable(),
  backupCount: z.number().int().nonnegative(),
  lastBackupAt: z.string().nullable(),
});
export type ServerSummary = z.infer<typeof ServerSummary>;

export const ConfigWarning = z.object({
  file: z.string(),
  line: z.number().int(),
  option: z.string(),
  message: z.string(),
});
export type ConfigWarning = z.infer<typeof ConfigWarning>;

export const ServerProbe = z.object({
  name: ServerName,
  reachable: z.boolean(),
  pgVersion: z.string().nullable(),
  systemId: z.string().nullable(),
  error: z.string().nullable(),
});
export type ServerProbe = z.infer<typeof ServerProbe>;
