/**
 * The restore composer's side of the contract: what the window asks for (a
 * server, a backup or none, a recovery target, a destination, tablespace
 * mapping) and what the engine answers (the plan as `barkeep restore` makes it,
 * the recovery settings that will be written, the equivalent command line, and
 * the outcome of a restore or a drill). Shapes only: the engine parses the
 * target and words every refusal, so the strings here are checked loosely.
 */
import { z } from 'zod';
import { BackupTablespace } from './backup';
import { ServerName } from './names';
import { ErrorPayload } from '../errors';

/** Where recovery stops; the texts are what a person typed, parsed by the engine as the CLI's --target-* options. */
export const RestoreTargetChoice = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('latest') }).strict(),
  /** a timestamp with its zone, e.g. 2026-11-24T04:30:00+01:00 */
  z.object({ kind: z.literal('time'), time: z.string().max(64) }).strict(),
  z.object({ kind: z.literal('xid'), xid: z.string().max(32) }).strict(),
  z.object({ kind: z.literal('lsn'), lsn: z.string().max(32) }).strict(),
  /** a restore point made with pg_create_restore_point() */
  z.object({ kind: z.literal('name'), name: z.string().max(200) }).strict(),
  z.object({ kind: z.literal('immediate') }).strict(),
]);
export type RestoreTargetChoice = z.infer<typeof RestoreTargetChoice>;
export const restoreTargetKinds = ['latest', 'time', 'xid', 'lsn', 'name', 'immediate'] as const;
export type RestoreTargetKind = RestoreTargetChoice['kind'];

export const RestoreTimelineChoice = z.union([z.literal('latest'), z.literal('current'), z.number().int().positive()]);
export type RestoreTimelineChoice = z.infer<typeof RestoreTimelineChoice>;

export const restoreActions = ['pause', 'promote', 'shutdown'] as const;
export const RestoreAction = z.enum(restoreActions);
export type RestoreAction = z.infer<typeof RestoreAction>;

/** A folder on this machine, or a folder on another host reached with an OpenSSH command line (host key pinned). */
export const RestoreDestination = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), path: z.string().max(4096) }).strict(),
  z.object({ kind: z.literal('ssh'), sshCommand: z.string().max(2000), path: z.string().max(4096) }).strict(),
]);
export type RestoreDestination = z.infer<typeof RestoreDestination>;

/** --tablespace NAME:PATH: a tablespace (by name or oid) into another folder; unmapped ones go back where they lived. */
export const TablespaceMapping = z.object({ name: z.string().min(1).max(64), path: z.string().max(4096) }).strict();
export type TablespaceMapping = z.infer<typeof TablespaceMapping>;

const targetFields = {
  server: ServerName,
  /** a backup id or name; null lets the planner choose the newest that ends before the target */
  backup: z.string().min(1).max(100).nullable(),
  target: RestoreTargetChoice,
  timeline: RestoreTimelineChoice,
  action: RestoreAction,
  /** stop just before the target (time, xid and lsn only) */
  exclusive: z.boolean(),
};

/** restore:plan — without a destination, the plan alone (no settings preview, no command line). */
export const RestorePlanRequest = z.object({
  ...targetFields,
  destination: RestoreDestination.nullable(),
  tablespaces: z.array(TablespaceMapping).max(256),
}).strict();
export type RestorePlanRequest = z.infer<typeof RestorePlanRequest>;

/** restore:start */
export const RestoreStartRequest = z.object({
  ...targetFields,
  destination: RestoreDestination,
  tablespaces: z.array(TablespaceMapping).max(256),
}).strict();
export type RestoreStartRequest = z.infer<typeof RestoreStartRequest>;

/** restore:drill — a drill restores into a temporary folder of its own. */
export const DrillRequest = z.object(targetFields).strict();
export type DrillRequest = z.infer<typeof DrillRequest>;

export const RecoverySettingLine = z.object({ key: z.string(), value: z.string() });
export type RecoverySettingLine = z.infer<typeof RecoverySettingLine>;

/** Whether the destination passed the restore's own checks (a dry run: nothing written). */
export const DestinationCheck = z.discriminatedUnion('state', [
  /** local: empty or absent, idle, room enough */
  z.object({ state: z.literal('ready'), exists: z.boolean(), folder: z.string() }),
  /** remote: checked over SSH when the restore starts */
  z.object({ state: z.literal('unchecked'), host: z.string(), reason: z.string() }),
  z.object({ state: z.literal('refused'), error: ErrorPayload }),
]);
export type DestinationCheck = z.infer<typeof DestinationCheck>;

export const RestorePlanView = z.object({
  server: ServerName,
  backup: z.object({
    backupId: z.string(),
    name: z.string().nullable(),
    beginTime: z.string(),
    endTime: z.string().nullable(),
    endLsn: z.string().nullable(),
    timeline: z.number().int().positive().nullable(),
    sizeBytes: z.number().nonnegative(),
    tablespaces: z.array(BackupTablespace),
    /** true when the request named it; false when the planner chose it */
    chosen: z.boolean(),
  }),
  targetKind: z.enum(restoreTargetKinds),
  /** the target in the engine's words, e.g. "time 2026-11-24 04:30:00+00 (exclusive)" */
  targetDescription: z.string(),
  /** what PostgreSQL receives for a time target (always with a zone); null for other kinds */
  targetTimeText: z.string().nullable(),
  targetTimeline: z.number().int().positive(),
  wal: z.object({
    segments: z.number().int().nonnegative(),
    first: z.string().nullable(),
    last: z.string().nullable(),
    historyFiles: z.array(z.string()),
  }),
  dataBytes: z.number().nonnegative(),
  walBytes: z.number().nonnegative(),
  bytesToCopy: z.number().nonnegative(),
  throughput: z.object({
    bytesPerSecond: z.number().positive(),
    source: z.enum(['measured', 'assumed']),
    basis: z.string(),
  }),
  estimatedSeconds: z.number().nonnegative(),
  warnings: z.array(z.string()),
  /** null until a destination is given */
  destination: DestinationCheck.nullable(),
  /** the lines Barkeep's block in postgresql.auto.conf will hold, in order; null without a (usable) destination */
  settings: z.object({
    file: z.string(),
    lines: z.array(RecoverySettingLine),
    signalFile: z.string(),
    /** the original archiving settings of the backup, kept in a comment */
    originalArchiving: z.string(),
  }).nullable(),
  /** the equivalent `barkeep restore …`, shell-quoted; null without a destination */
  commandLine: z.string().nullable(),
  /** the equivalent `barkeep drill …` */
  drillCommandLine: z.string(),
});
export type RestorePlanView = z.infer<typeof RestorePlanView>;

export const DrillValidationRow = z.object({
  database: z.string(),
  query: z.string(),
  rows: z.array(z.record(z.string(), z.unknown())),
});
export type DrillValidationRow = z.infer<typeof DrillValidationRow>;

/** What a finished restore or drill job produced (a failed restore has none: its job carries the error). */
export const RestoreOutcome = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('restore'),
    server: ServerName,
    backupId: z.string(),
    targetDescription: z.string(),
    /** what recovery does at the target; null for the latest WAL (it ends recovery and promotes) */
    action: RestoreAction.nullable(),
    dest: z.string(),
    /** the host for an SSH restore, e.g. postgres@db2; null on this machine */
    host: z.string().nullable(),
    copiedBytes: z.number().nonnegative(),
    walFiles: z.number().int().nonnegative(),
    durationSeconds: z.number().nonnegative(),
    startCommand: z.string(),
  }),
  z.object({
    kind: z.literal('drill'),
    server: ServerName,
    ok: z.boolean(),
    backupId: z.string().nullable(),
    target: z.string(),
    durationSeconds: z.number().nonnegative(),
    copiedBytes: z.number().nonnegative(),
    walSegments: z.number().int().nonnegative(),
    reachedState: z.enum(['promoted', 'paused']).nullable(),
    reachedLsn: z.string().nullable(),
    reachedTime: z.string().nullable(),
    timeline: z.number().int().nullable(),
    validation: z.array(DrillValidationRow),
    error: ErrorPayload.nullable(),
  }),
]);
export type RestoreOutcome = z.infer<typeof RestoreOutcome>;
