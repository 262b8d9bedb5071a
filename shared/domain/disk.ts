/**
 * Disk usage as the doors show it: each volume holding a store (size, free,
 * state against the global thresholds, the "full in N days" forecast), each
 * server's backups and WAL with their growth and what the retention policy
 * will need, the daily history the growth chart draws, and the event sent when
 * a volume crosses a threshold. engine/disk computes; these are the shapes.
 */
import { z } from 'zod';
import { ServerName } from './names';

/** ok; warning below disk_warning_free_percent; critical below disk_critical_free_percent */
export const DiskState = z.enum(['ok', 'warning', 'critical']);
export type DiskState = z.infer<typeof DiskState>;

export const DiskThresholds = z.object({
  warningFreePercent: z.number().min(0).max(100),
  criticalFreePercent: z.number().min(0).max(100),
});
export type DiskThresholds = z.infer<typeof DiskThresholds>;

const Bytes = z.number().nonnegative();

/** A volume as read now (statfs): what the banner and the state-change watch judge. */
export const VolumeStatus = z.object({
  /** the device id: equal ids, same volume */
  id: z.string(),
  mountPoint: z.string(),
  totalBytes: Bytes,
  /** what an unprivileged writer may still use */
  freeBytes: Bytes,
  usedBytes: Bytes,
  freePercent: z.number().min(0).max(100),
  state: DiskState,
  /** the configured servers whose backups or WAL live here */
  servers: z.array(ServerName),
});
export type VolumeStatus = z.infer<typeof VolumeStatus>;

export const GrowthRate = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate'), bytesPerDay: z.number(), samples: z.number().int(), spanDays: z.number() }),
  z.object({ kind: z.literal('not-enough-data'), samples: z.number().int() }),
]);
export type GrowthRate = z.infer<typeof GrowthRate>;

export const VolumeForecast = z.discriminatedUnion('state', [
  z.object({ state: z.literal('not-enough-data') }),
  z.object({ state: z.literal('not-growing'), bytesPerDay: z.number() }),
  z.object({
    state: z.literal('growing'),
    bytesPerDay: z.number(),
    /** until no byte is free */
    fullInDays: z.number().nonnegative(),
    /** until free space drops below the critical level (0: already below) */
    criticalInDays: z.number().nonnegative(),
  }),
]);
export type VolumeForecast = z.infer<typeof VolumeForecast>;

export const DiskVolume = VolumeStatus.extend({
  /** the backups and WAL of the servers here, as last measured */
  storeBytes: Bytes,
  forecast: VolumeForecast,
});
export type DiskVolume = z.infer<typeof DiskVolume>;

export const RetentionNeed = z.object({
  bytes: Bytes,
  /** complete backups the policy keeps at the current backup rate */
  backupsKept: z.number().int().nonnegative(),
  /** days of WAL kept */
  walDays: z.number().nonnegative(),
});
export type RetentionNeed = z.infer<typeof RetentionNeed>;

export const ServerDiskUsage = z.object({
  server: ServerName,
  /** when the store was last measured (walked); null: never, and the byte counts are 0 */
  measuredAt: z.string().nullable(),
  /** all backups, a hard-linked file counted once */
  backupsBytes: Bytes,
  walBytes: Bytes,
  backupVolumeId: z.string().nullable(),
  walVolumeId: z.string().nullable(),
  /** backups and WAL together, from the daily history */
  growth: GrowthRate,
  /** retention_policy as written, e.g. 'REDUNDANCY 2'; null when none is set */
  retentionPolicy: z.string().nullable(),
  /** null without a retention policy or a complete backup to scale from */
  retentionNeed: RetentionNeed.nullable(),
});
export type ServerDiskUsage = z.infer<typeof ServerDiskUsage>;

export const DiskReport = z.object({
  /** when the volumes were read */
  at: z.string(),
  thresholds: DiskThresholds,
  volumes: z.array(DiskVolume),
  servers: z.array(ServerDiskUsage),
});
export type DiskReport = z.infer<typeof DiskReport>;

/** One server's usage on one UTC day (the last measurement of that day). */
export const DiskUsageSample = z.object({
  server: ServerName,
  /** YYYY-MM-DD, UTC */
  day: z.string(),
  measuredAt: z.string(),
  backupsBytes: Bytes,
  walBytes: Bytes,
  volumeId: z.string().nullable(),
  walVolumeId: z.string().nullable(),
  /** size and free bytes of the backup volume when measured */
  volumeTotal: Bytes.nullable(),
  volumeFree: Bytes.nullable(),
});
export type DiskUsageSample = z.infer<typeof DiskUsageSample>;

export const DiskHistory = z.object({
  /** the oldest time included: the growth window the forecasts are fitted on */
  since: z.string(),
  /** oldest first, every requested server together */
  samples: z.array(DiskUsageSample),
});
export type DiskHistory = z.infer<typeof DiskHistory>;

/** A volume crossed into a worse state (ok → warning, → critical) since Barkeep last looked. */
export const DiskStateChange = z.object({
  volume: VolumeStatus,
  /** the state before; 'ok' the first time a volume is seen */
  previous: DiskState,
  /** the threshold now passed: disk_warning_free_percent or disk_critical_free_percent */
  thresholdFreePercent: z.number(),
  at: z.string(),
});
export type DiskStateChange = z.infer<typeof DiskStateChange>;

/** The newest usage sample of one server, as the Servers overview's small gauge draws it. */
export const ServerDiskGauge = z.object({
  measuredAt: z.string(),
  backupsBytes: Bytes,
  walBytes: Bytes,
  /** the backup volume's size and free bytes at that measurement; null when it could not be read */
  volumeTotalBytes: Bytes.nullable(),
  volumeFreeBytes: Bytes.nullable(),
  /** judged from that measurement by today's thresholds; null without volume figures */
  state: DiskState.nullable(),
});
export type ServerDiskGauge = z.infer<typeof ServerDiskGauge>;
