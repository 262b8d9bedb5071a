/**
 * The backups table and one backup's detail as the doors show them: each
 * backup with its own and total bytes, Barman's WAL size, and the retention
 * verdict with its reason (retention/policy.ts judges, at `now`). Reads the
 * catalog, and the store's disk usage for one backup's detail; changes nothing.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { BackupDetail, BackupList, BackupRow, RetentionVerdict } from '../../../shared/domain/backup-view';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { evaluateRetention } from '../retention/policy';
import { formatPolicy } from '../retention/recovery-window';
import { selectBackup } from './backup-selector';
import { measureBackups, measureWalSinceBackups } from './disk-usage';

export function listBackupRows(catalog: Catalog, server: ServerConfig, now: Date): BackupList {
  const backups = catalog.listBackups(server.name);
  const verdicts = judgeBackups(backups, server, now);
  const walSizes = measureWalSinceBackups(catalog, server.name, backups);
  const rows = [...backups].reverse().map((info): BackupRow => ({
    backupId: info.backupId,
    name: info.name,
    status: info.status,
    method: info.method,
    beginTime: info.beginTime,
    endTime: info.endTime,
    timeline: info.timeline,
    sizeBytes: info.sizeBytes,
    ownBytes: info.ownBytes,
    walBytes: walSizes.get(info.backupId) ?? null,
    keep: info.keep,
    retention: verdictOf(verdicts, info),
    error: info.error,
  }));
  return {
    server: server.name,
    retentionPolicy: server.retentionPolicy === null ? null : formatPolicy(server.retentionPolicy),
    minimumRedundancy: server.minimumRedundancy,
    rows,
  };
}

/** Everything `show-backup` prints of one backup; its disk usage is measured now (hard-linked files counted once). */
export async function showBackupDetail(catalog: Catalog, server: ServerConfig, selector: string, now: Date): Promise<BackupDetail> {
  const backups = catalog.listBackups(server.name);
  const info = selectBackup(backups, selector, server.name);
  const usage = (await measureBackups(server)).backups.get(info.backupId) ?? null;
  const index = backups.findIndex((candidate) => candidate.backupId === info.backupId);
  return {
    info,
    diskUsage: usage === null ? null : { totalBytes: usage.totalBytes, ownBytes: usage.ownBytes, files: usage.files, sharedFiles: usage.sharedFiles },
    walBytes: measureWalSinceBackups(catalog, server.name, backups).get(info.backupId) ?? null,
    retention: verdictOf(judgeBackups(backups, server, now), info),
    previousBackup: backups[index - 1]?.backupId ?? null,
    nextBackup: backups[index + 1]?.backupId ?? null,
  };
}

function judgeBackups(backups: readonly BackupInfo[], server: ServerConfig, now: Date): Map<string, RetentionVerdict> {
  const report = evaluateRetention({ backups, policy: server.retentionPolicy, minimumRedundancy: server.minimumRedundancy, now });
  return new Map(report.backups.map((verdict) => [verdict.backupId as string, { status: verdict.status, reason: verdict.reason }]));
}

function verdictOf(verdicts: Map<string, RetentionVerdict>, info: BackupInfo): RetentionVerdict {
  // evaluateRetention judges every backup it is given; this is only the type's fallback.
  return verdicts.get(info.backupId) ?? { status: 'IN_PROGRESS', reason: `not judged (${info.status})` };
}
