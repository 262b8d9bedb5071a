/**
 * THE list of channels: 'domain:verb' -> { input, output } schemas. Every door
 * (Electron IPC, the serve host, the renderer's clients) is derived from this
 * object; no other channel string exists in the code.
 */
import { z } from 'zod';
import { KeepTarget } from '../domain/backup';
import { BackupDetail, BackupList, DeletedBackup, KeptBackup } from '../domain/backup-view';
import { DiskHistory, DiskReport } from '../domain/disk';
import { BackupId, JobId, ServerName } from '../domain/names';
import { JobLogLine, JobSnapshot } from '../domain/job';
import { CheckResult, ConfigWarning, ServerProbe, ServerSummary } from '../domain/server';
import { ConnectionTestReport, RemovedServer, SaveServerResult, ServerEdit, ServerEditorState } from '../domain/server-editor';
import { DrillRequest, RestoreOutcome, RestorePlanRequest, RestorePlanView, RestoreStartRequest } from '../domain/restore';
import { RestorePoint } from '../domain/restore-point';
import { WalCoverageView } from '../domain/wal-coverage';
import { channelNames, isChannelName, type ChannelName } from './channels';

const NoInput = z.object({}).strict();

export const AppInfo = z.object({
  version: z.string(),
  home: z.string(),
  configFile: z.string(),
  transport: z.enum(['electron', 'http']),
  warnings: z.array(ConfigWarning),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;

const ServerInput = z.object({ server: ServerName }).strict();
const BackupInput = z.object({ server: ServerName, backupId: BackupId }).strict();

export const contract = {
  'app:info': { input: NoInput, output: AppInfo },
  'servers:list': { input: NoInput, output: z.array(ServerSummary) },
  'servers:probe': { input: z.object({ server: ServerName }).strict(), output: ServerProbe },
  /** runs `check` for the server as a job; the results arrive as the server's health */
  'servers:check': { input: z.object({ server: ServerName }).strict(), output: JobRef },
  /** the server's own options as the editor shows them, and which secrets are stored (never their values) */
  'servers:get': { input: ServerInput, output: ServerEditorState },
  /** validates (field errors come back as the reply), stores typed secrets outside the .conf, writes conf.d/<server>.conf, reloads */
  'servers:save': { input: ServerEdit, output: SaveServerResult },
  /** validates, then connects as the form says (PostgreSQL select 1, replication, SSH with the pinned known_hosts); saves nothing */
  'servers:test': { input: ServerEdit, output: ConnectionTestReport },
  /** removes the server's own conf.d file and its secrets, then reloads; its backups and WAL stay on disk */
  'servers:delete-config': { input: ServerInput, output: RemovedServer },
  'sandbox:create': { input: NoInput, output: JobRef },
  'jobs:list': { input: NoInput, output: z.array(JobSnapshot) },
  'jobs:logs': { input: z.object({ jobId: JobId }).strict(), output: z.array(JobLogLine) },
  'jobs:cancel': { input: z.object({ jobId: JobId }).strict(), output: z.object({ cancelled: z.boolean() }) },
  /** every result of the server's last `check` run, failing ones first */
  'checks:list': { input: ServerInput, output: z.array(CheckResult) },
  'backups:list': { input: ServerInput, output: BackupList },
  'backups:show': { input: BackupInput, output: BackupDetail },
  /** a full backup as a job (progress bytes and phase; cancel with jobs:cancel); 'backups' is invalidated as it goes */
  'backups:start': { input: ServerInput, output: JobRef },
  /** refused below minimum_redundancy and for kept backups; other backups keep the files they share */
  'backups:delete': { input: BackupInput, output: DeletedBackup },
  /** checks the backup against its manifest as a job; it fails when the backup does not verify */
  'backups:verify': { input: BackupInput, output: JobRef },
  /** sets (full, standalone) or releases (null) the keep mark */
  'backups:keep': { input: BackupInput.extend({ target: KeepTarget.nullable() }).strict(), output: KeptBackup },
  'wal:coverage': { input: ServerInput, output: WalCoverageView },
  /** the restore points found in the server's archived wal (pg_create_restore_point), newest last */
  'wal:restore-points': { input: ServerInput, output: z.array(RestorePoint) },
  /** volumes read now (state, forecast) and each server's bytes from its newest usage sample: no walk of the stores */
  'disk:report': { input: NoInput, output: DiskReport },
  /** walks every server's store now (a hard-linked file counted once), records the samples, then reports; 'disk' is invalidated */
  'disk:measure': { input: NoInput, output: DiskReport },
  /** the daily usage samples over the growth window, of one server or all, for the growth chart */
  'disk:history': { input: z.object({ server: ServerName.optional() }).strict(), output: DiskHistory },
  /** the plan `barkeep restore` would follow, the destination's checks (nothing written), the recovery settings and the equivalent command lines */
  'restore:plan': { input: RestorePlanRequest, output: RestorePlanView },
  /** plans and checks again (a refusal is the reply, before any job), then restores as a job; cancel with jobs:cancel */
  'restore:start': { input: RestoreStartRequest, output: JobRef },
  /** a drill of the same target as a job: a temporary folder, started, validated, removed, recorded */
  'restore:drill': { input: DrillRequest, output: JobRef },
  /** what a finished restore or drill job started here produced; a failed one answers with its error */
  'restore:outcome': { input: z.object({ jobId: JobId }).strict(), output: RestoreOutcome },
} as const satisfies Record<ChannelName, { input: z.ZodType; output: z.ZodType }>;

export type Contract = typeof contract;
// Every contract key is in channels.ts (checked by `satisfies` above) and every name there has a schema here:
const everyChannelHasSchemas: Record<ChannelName, unknown> = contract;
void everyChannelHasSchemas;
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;

export { channelNames, isChannelName, type ChannelName };
