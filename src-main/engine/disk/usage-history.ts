/**
 * The daily history of a server's disk usage (migration 4's disk_usage_history):
 * one sample per server and UTC day, the last of the day replacing earlier ones.
 * sampleDiskUsage measures (backups with a hard-linked file counted once, the
 * WAL archive, the volumes) and records; the scheduler calls it once per pass,
 * backups and deletes after they change the store. Forecasts read it back.
 */
import type { Catalog } from '../catalog/catalog';
import { measureServerDiskUsage, type BackupsMeasurement } from '../backup/disk-usage';
import type { ServerConfig } from '../config/load';
import { locateVolume } from './volume';

export interface DiskUsageSample {
  server: string;
  /** the UTC day, YYYY-MM-DD */
  day: string;
  /** ISO time of the measurement */
  measuredAt: string;
  /** all backups, a hard-linked file counted once */
  backupsBytes: number;
  /** the WAL archive (wals_directory) */
  walBytes: number;
  /** the volume of backup_directory (VolumeInfo.id) */
  volumeId: string | null;
  /** the volume of wals_directory; equal to volumeId when both share one */
  walVolumeId: string | null;
  /** size and free bytes of the backup volume when measured */
  volumeTotal: number | null;
  volumeFree: number | null;
}

const selectColumns = `SELECT server, day, measured_at AS measuredAt, backups_bytes AS backupsBytes, wal_bytes AS walBytes,
  volume_id AS volumeId, wal_volume_id AS walVolumeId, volume_total AS volumeTotal, volume_free AS volumeFree FROM disk_usage_history`;

/** Measures the server's store now and records it as today's (UTC) sample. */
export async function sampleDiskUsage(catalog: Catalog, server: ServerConfig, now: Date, backupsMeasured?: BackupsMeasurement): Promise<DiskUsageSample> {
  const [usage, backupVolume, walVolume] = await Promise.all([
    measureServerDiskUsage(server, backupsMeasured), locateVolume(server.backupDirectory), locateVolume(server.walsDirectory),
  ]);
  const sample: DiskUsageSample = {
    server: server.name,
    day: utcDay(now),
    measuredAt: now.toISOString(),
    backupsBytes: usage.backupsBytes,
    walBytes: usage.walBytes,
    volumeId: backupVolume?.id ?? null,
    walVolumeId: walVolume?.id ?? null,
    volumeTotal: backupVolume?.totalBytes ?? null,
    volumeFree: backupVolume?.freeBytes ?? null,
  };
  saveUsageSample(catalog, sample);
  return sample;
}

/** Records a sample; within one server and day, an earlier measurement never replaces a later one. */
export function saveUsageSample(catalog: Catalog, sample: DiskUsageSample): void {
  catalog.db.prepare(`INSERT INTO disk_usage_history (server, day, measured_at, backups_bytes, wal_bytes, volume_id, wal_volume_id, volume_total, volume_free)
    VALUES (@server, @day, @measuredAt, @backupsBytes, @walBytes, @volumeId, @walVolumeId, @volumeTotal, @volumeFree)
    ON CONFLICT (server, day) DO UPDATE SET measured_at = excluded.measured_at, backups_bytes = excluded.backups_bytes,
      wal_bytes = excluded.wal_bytes, volume_id = excluded.volume_id, wal_volume_id = excluded.wal_volume_id,
      volume_total = excluded.volume_total, volume_free = excluded.volume_free
    WHERE excluded.measured_at >= disk_usage_history.measured_at`).run(sample);
}

/** A server's samples measured at or after `since`, oldest first. */
export function readUsageHistory(catalog: Catalog, server: string, since: Date): DiskUsageSample[] {
  return catalog.db.prepare(`${selectColumns} WHERE server = ? AND measured_at >= ? ORDER BY day`)
    .all(server, since.toISOString()) as DiskUsageSample[];
}

/** Each server's newest sample (servers that were ever sampled), by server name. */
export function latestUsageSamples(catalog: Catalog): DiskUsageSample[] {
  return catalog.db.prepare(`${selectColumns} AS sample WHERE day = (SELECT MAX(day) FROM disk_usage_history AS newer WHERE newer.server = sample.server)
    ORDER BY server`).all() as DiskUsageSample[];
}

/** YYYY-MM-DD of `moment` in UTC. */
export function utcDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}
