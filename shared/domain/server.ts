/**
 * What the doors know of a configured PostgreSQL server: its configuration as
 * read (secrets never included) and the facts the engine last learnt about it.
 */
import { z } from 'zod';
import { ServerDiskGauge } from './disk';
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

/** How WAL reaches the store: the streaming archiver (receive-wal) and the archive_command intake. */
export const ArchiverState = z.object({
  /** off: streaming_archiver = off (or no slot); stopped: wanted but nothing holds its lock; running: a receive-wal holds it */
  streaming: z.enum(['off', 'stopped', 'running']),
  /** the process holding the receive-wal lock, when running */
  streamingPid: z.number().int().nullable(),
  /** archiver = on: WAL pushed by archive_command is taken into the archive */
  archiveCommand: z.boolean(),
});
export type ArchiverState = z.infer<typeof ArchiverState>;

/** The newest archived WAL segment (from the catalog's index) and when it arrived. */
export const WalArrival = z.object({
  lastSegment: z.string().nullable(),
  lastArrivalAt: z.string().nullable(),
});
export type WalArrival = z.infer<typeof WalArrival>;

/** The server's last restore drill, in a line. */
export const DrillSummary = z.object({
  ok: z.boolean(),
  finishedAt: z.string(),
  /** the target in words */
  target: z.string(),
  backupId: z.string().nullable(),
  /** why it failed; null when it passed */
  error: z.string().nullable(),
});
export type DrillSummary = z.infer<typeof DrillSummary>;

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
  wal: WalArrival,
  archiver: ArchiverState,
  /** the newest disk usage sample; null before the store was first measured */
  disk: ServerDiskGauge.nullable(),
  lastDrill: DrillSummary.nullable(),
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
