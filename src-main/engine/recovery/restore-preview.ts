/**
 * What the restore composer shows before anything runs: the plan (made as
 * `barkeep restore` makes it), the destination's own checks (a dry run of the
 * local restore; a remote folder is checked over SSH when the restore starts),
 * the recovery settings that will be written into postgresql.auto.conf, and the
 * equivalent command lines. Reads the catalog and the store; writes nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DestinationCheck, RestorePlanRequest, RestorePlanView } from '../../../shared/domain/restore';
import { EngineError, toErrorPayload } from '../../../shared/errors';
import { parseSshCommand } from '../backup/rsync/ssh-command';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { backupDataFolder } from '../store/layout';
import type { RestorePlan } from './plan';
import { checkRestorablePath, readArchiveSettings, recoverySignalFiles, renderRecoverySettings } from './recovery-settings';
import { renderDrillCommandLine, renderRestoreCommandLine, type CommandLineInput } from './restore-command-line';
import { checkRestoreRun, planComposedRestore, prepareComposedRun } from './restore-request';

export interface PreviewSources {
  catalog: Catalog;
  server: ServerConfig;
  configFile: string;
}

/** The plan view of a composed restore; a plan the engine refuses is thrown, a refused destination is part of the view. */
export async function previewComposedRestore(sources: PreviewSources, request: RestorePlanRequest): Promise<RestorePlanView> {
  const { server } = sources;
  const plan = planComposedRestore(sources.catalog, server, request);
  const words: CommandLineInput = { configFile: sources.configFile, server: server.name, backup: request.backup, target: plan.target };
  const destination = request.destination === null ? null : await checkDestination(plan, server, request);
  const usable = request.destination !== null && destination !== null && destination.state !== 'refused';
  return {
    server: request.server,
    backup: {
      backupId: plan.backup.backupId, name: plan.backup.name, beginTime: plan.backup.beginTime, endTime: plan.backup.endTime,
      endLsn: plan.backup.endLsn, timeline: plan.backup.timeline, sizeBytes: plan.backup.sizeBytes,
      tablespaces: plan.backup.tablespaces ?? [], chosen: request.backup !== null && request.backup !== 'latest',
    },
    targetKind: plan.target.kind,
    targetDescription: plan.targetDescription,
    targetTimeText: plan.target.kind === 'time' ? plan.target.text : null,
    targetTimeline: plan.targetTimeline,
    wal: { segments: plan.walSegments.length, first: plan.walSegments[0] ?? null, last: plan.walSegments.at(-1) ?? null, historyFiles: plan.historyFiles },
    dataBytes: plan.dataBytes,
    walBytes: plan.walBytes,
    bytesToCopy: plan.bytesToCopy,
    throughput: { bytesPerSecond: plan.throughputBytesPerSecond, source: plan.throughputSource, basis: plan.throughputBasis },
    estimatedSeconds: plan.estimatedSeconds,
    warnings: plan.warnings,
    destination,
    settings: usable ? previewSettings(plan, server, settingsFolder(request.destination!)) : null,
    commandLine: request.destination === null ? null : renderRestoreCommandLine(words, request.destination, request.tablespaces),
    drillCommandLine: renderDrillCommandLine(words),
  };
}

/**
 * The destination's checks: locally the restore's own dry run (path, tablespace folders, DEST empty and idle, free
 * space, the backup's files); remotely only what needs no connection (the ssh command, the path), the rest when it starts.
 */
async function checkDestination(plan: RestorePlan, server: ServerConfig, request: RestorePlanRequest): Promise<DestinationCheck> {
  const destination = request.destination!;
  try {
    const run = prepareComposedRun(plan, server, destination, request.tablespaces);
    if (destination.kind === 'ssh') {
      const target = parseSshCommand(destination.sshCommand);
      checkRestorablePath(destination.path);
      const host = `${target.username}@${target.host}`;
      return { state: 'unchecked', host, reason: `the folder on ${host} is checked over SSH when the restore starts` };
    }
    const report = await checkRestoreRun(run);
    return { state: 'ready', folder: report.dest, exists: existsSync(report.dest) };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { state: 'refused', error: toErrorPayload(error) };
  }
}

/** The folder restore_command reads from: a local DEST resolved as restoreLocal resolves it, a remote one as given. */
function settingsFolder(destination: NonNullable<RestorePlanRequest['destination']>): string {
  return destination.kind === 'local' ? path.resolve(destination.path) : destination.path;
}

/** Barkeep's block of postgresql.auto.conf for this plan and folder, as rewriteAutoConf writes it, and the signal file. */
function previewSettings(plan: RestorePlan, server: ServerConfig, folder: string): NonNullable<RestorePlanView['settings']> {
  const lines = renderRecoverySettings(plan.target, folder).map(([key, value]) => ({ key, value }));
  const data = backupDataFolder(server, plan.backup.backupId);
  const read = (file: string): string => {
    try {
      return readFileSync(path.join(data, file), 'utf8');
    } catch {
      return '';
    }
  };
  const original = readArchiveSettings(`${read('postgresql.conf')}\n${read('postgresql.auto.conf')}`);
  return {
    file: 'postgresql.auto.conf',
    lines,
    signalFile: recoverySignalFiles().write,
    originalArchiving: original.length === 0 ? 'none set' : original.map(([key, value]) => `${key} = ${value}`).join(', '),
  };
}
