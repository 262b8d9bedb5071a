/**
 * Disk forecasts from the daily usage history. Pure: numbers in, numbers out;
 * no clock, no files, no catalog. The model:
 * - Growth: the least-squares slope of used bytes over the last 30 days of
 *   samples (x in days, fractions kept), once there are 3 samples over at least
 *   2 days; fewer is "not enough data", since one day's backup would read as a trend.
 * - A volume grows by the sum of the slopes of the servers' parts on it (a
 *   server's backups and its WAL archive may sit on different volumes). Full in
 *   free ÷ growth days; not growing when the sum is 0 or less.
 * - What the retention policy will need, with I = the interval between backups
 *   (median of the recent ones; 1 day when fewer than two), B = the newest
 *   complete backup's size, A = what one more backup adds (its own bytes with
 *   reuse_backup = link, else its size), W = WAL archived per day:
 *     RECOVERY WINDOW OF D days: B + ⌊D ÷ I⌋ × A + (D + I) × W
 *       (the backups in the window plus the one before it, which begins up to
 *       I before the window and needs its WAL from there on);
 *     REDUNDANCY N: B + (N − 1) × A + N × I × W (WAL from the oldest kept backup,
 *       which began (N − 1) × I ago, until the next backup arrives).
 *   Weeks count 7 days, months 31 (the longest, so the estimate errs high).
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { RetentionPolicy } from '../config/model';
import { formatBytes } from '../check/age';

export const growthWindowDays = 30;
export const minimumGrowthSamples = 3;
export const minimumGrowthSpanDays = 2;

const dayMs = 86_400_000;

export interface UsagePoint {
  /** ISO time of the sample */
  measuredAt: string;
  bytes: number;
}

export type GrowthRate =
  | { kind: 'rate'; bytesPerDay: number; samples: number; spanDays: number }
  | { kind: 'not-enough-data'; samples: number };

/** The least-squares slope of the samples measured in the `windowDays` before `now`. */
export function computeGrowthRate(points: readonly UsagePoint[], now: Date, windowDays = growthWindowDays): GrowthRate {
  const start = now.getTime() - windowDays * dayMs;
  const inWindow = points
    .map((point) => ({ at: Date.parse(point.measuredAt), y: point.bytes }))
    .filter((point) => point.at >= start && point.at <= now.getTime())
    .map((point) => ({ x: point.at / dayMs, y: point.y }));
  if (inWindow.length < minimumGrowthSamples) return { kind: 'not-enough-data', samples: inWindow.length };
  const xs = inWindow.map((point) => point.x);
  const spanDays = Math.max(...xs) - Math.min(...xs);
  if (spanDays < minimumGrowthSpanDays) return { kind: 'not-enough-data', samples: inWindow.length };
  // Centred on the first sample: day numbers since 1970 squared would cost precision.
  const origin = Math.min(...xs);
  const centred = inWindow.map((point) => ({ x: point.x - origin, y: point.y }));
  const meanX = centred.reduce((sum, point) => sum + point.x, 0) / centred.length;
  const meanY = centred.reduce((sum, point) => sum + point.y, 0) / centred.length;
  let covariance = 0;
  let variance = 0;
  for (const point of centred) {
    covariance += (point.x - meanX) * (point.y - meanY);
    variance += (point.x - meanX) ** 2;
  }
  return { kind: 'rate', bytesPerDay: covariance / variance, samples: inWindow.length, spanDays };
}

export type VolumeForecast =
  | { state: 'not-enough-data' }
  | { state: 'not-growing'; bytesPerDay: number }
  | {
    state: 'growing';
    bytesPerDay: number;
    /** until no byte is free */
    fullInDays: number;
    /** until free space drops below disk_critical_free_percent (0: already below) */
    criticalInDays: number;
  };

export interface VolumeForecastInput {
  totalBytes: number;
  freeBytes: number;
  /** the growth of every server part on the volume */
  growth: readonly GrowthRate[];
  criticalFreePercent: number;
}

/** Parts without enough history are left out of the sum; with none known there is no forecast. */
export function forecastVolume(input: VolumeForecastInput): VolumeForecast {
  const known = input.growth.filter((rate) => rate.kind === 'rate');
  if (known.length === 0) return { state: 'not-enough-data' };
  const bytesPerDay = known.reduce((sum, rate) => sum + rate.bytesPerDay, 0);
  if (bytesPerDay <= 0) return { state: 'not-growing', bytesPerDay };
  const criticalBytes = (input.totalBytes * input.criticalFreePercent) / 100;
  return {
    state: 'growing',
    bytesPerDay,
    fullInDays: input.freeBytes / bytesPerDay,
    criticalInDays: Math.max(0, input.freeBytes - criticalBytes) / bytesPerDay,
  };
}

/** 'full in ~12 days at 1.2 GiB/day', 'not growing', 'not enough history for a forecast'. */
export function describeForecast(forecast: VolumeForecast): string {
  if (forecast.state === 'not-enough-data') return 'not enough history for a forecast';
  if (forecast.state === 'not-growing') return 'not growing';
  return `full in ${formatDays(forecast.fullInDays)} at ${formatBytes(Math.round(forecast.bytesPerDay))}/day`;
}

/** '~12 days', 'less than a day', '~3 years'. */
export function formatDays(days: number): string {
  if (days < 1) return 'less than a day';
  if (days < 1.5) return '~1 day';
  if (days < 730) return `~${Math.round(days)} days`;
  return `~${Math.round(days / 365)} years`;
}

/**
 * What the next backup adds to the store, from the newest complete one: its
 * own bytes when files are hard-linked (a floor: what changed between it and
 * the one before), else every byte of it.
 */
export function estimateNextBackupBytes(newest: Pick<BackupInfo, 'sizeBytes' | 'ownBytes'>, reuse: 'off' | 'copy' | 'link'): number {
  return reuse === 'link' && newest.ownBytes !== null ? newest.ownBytes : newest.sizeBytes;
}

/** The median gap between consecutive backups' begin times, in days; null with fewer than two. */
export function medianBackupIntervalDays(beginTimes: readonly string[]): number | null {
  const times = beginTimes.map((time) => Date.parse(time)).sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, index) => (time - times[index]!) / dayMs).sort((a, b) => a - b);
  if (gaps.length === 0) return null;
  const middle = Math.floor(gaps.length / 2);
  return gaps.length % 2 === 1 ? gaps[middle]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
}

export interface RetentionNeedInput {
  policy: RetentionPolicy;
  /** B: the newest complete backup's size, every file counted */
  newestBackupBytes: number;
  /** A: what one more backup adds (estimateNextBackupBytes) */
  nextBackupBytes: number;
  /** I: null when fewer than two backups tell it (then 1) */
  backupIntervalDays: number | null;
  /** W */
  walBytesPerDay: number;
}

export interface RetentionNeed {
  bytes: number;
  /** complete backups the policy keeps at this rate */
  backupsKept: number;
  /** days of WAL kept */
  walDays: number;
}

export function estimateRetentionNeed(input: RetentionNeedInput): RetentionNeed {
  const interval = input.backupIntervalDays !== null && input.backupIntervalDays > 0 ? input.backupIntervalDays : 1;
  const { policy } = input;
  let backupsKept: number;
  let walDays: number;
  if (policy.kind === 'redundancy') {
    backupsKept = policy.copies;
    walDays = policy.copies * interval;
  } else {
    const windowDays = policy.amount * (policy.unit === 'days' ? 1 : policy.unit === 'weeks' ? 7 : 31);
    backupsKept = Math.floor(windowDays / interval) + 1;
    walDays = windowDays + interval;
  }
  return {
    bytes: Math.round(input.newestBackupBytes + (backupsKept - 1) * input.nextBackupBytes + walDays * input.walBytesPerDay),
    backupsKept,
    walDays,
  };
}
