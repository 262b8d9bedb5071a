/**
 * The disk report the doors show, built without walking any store: the
 * volumes read now (volume-states.ts), and each server's bytes from its newest
 * usage sample (the scheduler records one per pass, backups and deletes after
 * they change the store), with growth, forecast and retention need from the
 * history, the same arithmetic as `disk-usage`. measureStores walks first.
 */
import type { DiskHistory, DiskReport, ServerDiskUsage } from '../../../shared/domain/disk';
import type { ServerName } from '../../../shared/domain/names';
import type { Catalog } from '../catalog/catalog';
import type { GlobalConfig, ServerConfig } from '../config/load';
import { formatPolicy } from '../retention/recovery-window';
import { computeGrowthRate, growthWindowDays } from './forecast';
import { latestUsageSamples, readUsageHistory, sampleDiskUsage } from './usage-history';
import { readVolumeStatuses } from './volume-states';
import { forecastForVolume, measureRetentionNeed } from './volume-report';

type Thresholds = Pick<GlobalConfig, 'diskWarningFreePercent' | 'diskCriticalFreePercent'>;

const dayMs = 86_400_000;

export async function readDiskOverview(catalog: Catalog, servers: readonly ServerConfig[], global: Thresholds, now: Date): Promise<DiskReport> {
  const since = growthWindowStart(now);
  // 1. per server: its newest sample, growth over the window, what its retention policy will need
  const latest = new Map(latestUsageSamples(catalog).map((sample) => [sample.server, sample]));
  const serverUsage = servers.map((server): ServerDiskUsage => {
    const sample = latest.get(server.name);
    return {
      server: server.name,
      measuredAt: sample?.measuredAt ?? null,
      backupsBytes: sample?.backupsBytes ?? 0,
      walBytes: sample?.walBytes ?? 0,
      backupVolumeId: sample?.volumeId ?? null,
      walVolumeId: sample?.walVolumeId ?? null,
      growth: computeGrowthRate(readUsageHistory(catalog, server.name, since)
        .map((row) => ({ measuredAt: row.measuredAt, bytes: row.backupsBytes + row.walBytes })), now),
      retentionPolicy: server.retentionPolicy === null ? null : formatPolicy(server.retentionPolicy),
      retentionNeed: measureRetentionNeed(catalog, server, now),
    };
  });

  // 2. per volume: its space now, what the stores on it hold, and the forecast
  const volumes = (await readVolumeStatuses(servers, global)).map((volume) => ({
    ...volume,
    storeBytes: serverUsage.reduce((sum, usage) => sum
      + (usage.backupVolumeId === volume.id ? usage.backupsBytes : 0)
      + (usage.walVolumeId === volume.id ? usage.walBytes : 0), 0),
    forecast: forecastForVolume(catalog, volume, global.diskCriticalFreePercent, now),
  }));
  return {
    at: now.toISOString(),
    thresholds: { warningFreePercent: global.diskWarningFreePercent, criticalFreePercent: global.diskCriticalFreePercent },
    volumes,
    servers: serverUsage,
  };
}

/** Walks each server's store (a hard-linked file counted once) and records today's sample. */
export async function measureStores(catalog: Catalog, servers: readonly ServerConfig[], now: Date): Promise<void> {
  for (const server of servers) await sampleDiskUsage(catalog, server, now);
}

/** The samples over the growth window (what the forecasts are fitted on), oldest first. */
export function readDiskHistory(catalog: Catalog, servers: readonly ServerName[], now: Date): DiskHistory {
  const since = growthWindowStart(now);
  const samples = servers.flatMap((server) => readUsageHistory(catalog, server, since))
    .map((sample) => ({ ...sample, server: sample.server as ServerName }))
    .sort((a, b) => (a.day === b.day ? a.server.localeCompare(b.server) : a.day < b.day ? -1 : 1));
  return { since: since.toISOString(), samples };
}

function growthWindowStart(now: Date): Date {
  return new Date(now.getTime() - growthWindowDays * dayMs);
}
