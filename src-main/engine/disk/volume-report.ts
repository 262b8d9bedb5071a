/**
 * The disk usage report behind `barkeep disk-usage` and the disk checks: per
 * server its backups (a hard-linked file counted once), its WAL, its growth and
 * what its retention policy will need; per volume (servers grouped by the
 * device of their folders) size, free, state by the global thresholds, and the
 * "full in N days" forecast. Measures through sampleDiskUsage, so a report also
 * records today's sample; the arithmetic is forecast.ts's.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { Catalog } from '../catalog/catalog';
import type { GlobalConfig, ServerConfig } from '../config/load';
import {
  computeGrowthRate, estimateNextBackupBytes, estimateRetentionNeed, forecastVolume, growthWindowDays, medianBackupIntervalDays,
  type GrowthRate, type RetentionNeed, type VolumeForecast,
} from './forecast';
import { latestUsageSamples, readUsageHistory, sampleDiskUsage, type DiskUsageSample } from './usage-history';
import { freePercentOf, groupServersByVolume, type VolumeInfo } from './volume';

export type DiskState = 'ok' | 'warning' | 'critical';

export interface ServerDiskReport {
  server: string;
  measuredAt: string;
  backupsBytes: number;
  walBytes: number;
  backupVolumeId: string | null;
  walVolumeId: string | null;
  /** backups and WAL together, from the history */
  growth: GrowthRate;
  /** null without a retention_policy or a complete backup to scale from */
  retentionNeed: RetentionNeed | null;
}

export interface VolumeDiskReport extends VolumeInfo {
  usedBytes: number;
  freePercent: number;
  state: DiskState;
  /** the configured servers with backups or WAL here */
  servers: string[];
  forecast: VolumeForecast;
}

export interface DiskReport {
  at: string;
  volumes: VolumeDiskReport[];
  servers: ServerDiskReport[];
}

type Thresholds = Pick<GlobalConfig, 'diskWarningFreePercent' | 'diskCriticalFreePercent'>;

const dayMs = 86_400_000;
/** how many recent backups the interval between backups is learnt from */
const intervalSampleBackups = 8;

export async function buildDiskReport(catalog: Catalog, servers: readonly ServerConfig[], global: Thresholds, now: Date): Promise<DiskReport> {
  // 1. measure and record every server now
  const samples: DiskUsageSample[] = [];
  for (const server of servers) samples.push(await sampleDiskUsage(catalog, server, now));

  // 2. per server: growth from its history, and the space its retention policy will need
  const serverReports = servers.map((server, index) => {
    const sample = samples[index]!;
    return {
      server: server.name,
      measuredAt: sample.measuredAt,
      backupsBytes: sample.backupsBytes,
      walBytes: sample.walBytes,
      backupVolumeId: sample.volumeId,
      walVolumeId: sample.walVolumeId,
      growth: computeGrowthRate(readUsageHistory(catalog, server.name, windowStart(now))
        .map((row) => ({ measuredAt: row.measuredAt, bytes: row.backupsBytes + row.walBytes })), now),
      retentionNeed: measureRetentionNeed(catalog, server, now),
    } satisfies ServerDiskReport;
  });

  // 3. per volume: the servers on it, its space, state and forecast
  const volumes: VolumeDiskReport[] = (await groupServersByVolume(servers)).map(({ volume, servers: names }) => ({
    ...volume,
    usedBytes: Math.max(0, volume.totalBytes - volume.freeBytes),
    freePercent: freePercentOf(volume),
    state: judgeDiskState(freePercentOf(volume), global),
    servers: names,
    forecast: forecastForVolume(catalog, volume, global.diskCriticalFreePercent, now),
  }));
  return { at: now.toISOString(), volumes, servers: serverReports };
}

/** ok, warning below disk_warning_free_percent, critical below disk_critical_free_percent. */
export function judgeDiskState(freePercent: number, global: Thresholds): DiskState {
  if (freePercent < global.diskCriticalFreePercent) return 'critical';
  if (freePercent < global.diskWarningFreePercent) return 'warning';
  return 'ok';
}

/**
 * The volume's forecast from the history alone: every server whose newest
 * sample (within the growth window) puts its backups or its WAL on this volume
 * adds that part's slope. Servers are found in the catalog, not the
 * configuration, so a check of one server still counts its neighbours.
 */
export function forecastForVolume(catalog: Catalog, volume: Pick<VolumeInfo, 'id' | 'totalBytes' | 'freeBytes'>, criticalFreePercent: number,
  now: Date): VolumeForecast {
  const since = windowStart(now);
  const growth: GrowthRate[] = [];
  for (const latest of latestUsageSamples(catalog)) {
    if (Date.parse(latest.measuredAt) < since.getTime()) continue;
    const parts = [latest.volumeId === volume.id ? 'backups' : null, latest.walVolumeId === volume.id ? 'wal' : null];
    if (parts.every((part) => part === null)) continue;
    const history = readUsageHistory(catalog, latest.server, since);
    growth.push(computeGrowthRate(history.map((row) => ({
      measuredAt: row.measuredAt,
      bytes: (parts.includes('backups') ? row.backupsBytes : 0) + (parts.includes('wal') ? row.walBytes : 0),
    })), now));
  }
  return forecastVolume({ totalBytes: volume.totalBytes, freeBytes: volume.freeBytes, growth, criticalFreePercent });
}

/** forecast.ts's model fed from the catalog: the newest complete backup, the backup interval, the WAL archived per day. */
export function measureRetentionNeed(catalog: Catalog, server: ServerConfig, now: Date): RetentionNeed | null {
  if (server.retentionPolicy === null) return null;
  const complete = catalog.listBackups(server.name).filter(isComplete);
  const newest = complete.at(-1);
  if (!newest) return null;
  return estimateRetentionNeed({
    policy: server.retentionPolicy,
    newestBackupBytes: newest.sizeBytes,
    nextBackupBytes: estimateNextBackupBytes(newest, server.reuseBackup),
    backupIntervalDays: medianBackupIntervalDays(complete.slice(-intervalSampleBackups).map((backup) => backup.beginTime)),
    walBytesPerDay: measureWalBytesPerDay(catalog, server.name, now),
  });
}

/** WAL archived over the growth window, per day since the first arrival in it (at least one day, so a fresh archive is not inflated). */
function measureWalBytesPerDay(catalog: Catalog, server: string, now: Date): number {
  const row = catalog.db.prepare(`SELECT COALESCE(SUM(size_bytes), 0) AS bytes, MIN(archived_at) AS first FROM wal_segments
    WHERE server = ? AND archived_at >= ?`).get(server, windowStart(now).toISOString()) as { bytes: number; first: string | null };
  if (row.first === null) return 0;
  return row.bytes / Math.max(1, (now.getTime() - Date.parse(row.first)) / dayMs);
}

function isComplete(backup: BackupInfo): boolean {
  return backup.status === 'DONE' || backup.status === 'WAITING_FOR_WALS';
}

function windowStart(now: Date): Date {
  return new Date(now.getTime() - growthWindowDays * dayMs);
}
