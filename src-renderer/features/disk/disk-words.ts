/**
 * How disk figures read in the banner, the Disk view and the Servers overview:
 * "full in ~12 days", growth per day, a volume's state against its threshold,
 * what the retention policy will need, and what to do when space runs low.
 * Pure functions of the report's numbers; no clock but the one passed in.
 */
import type { DiskState, DiskThresholds, GrowthRate, ServerDiskUsage, VolumeForecast, VolumeStatus } from '../../../shared/domain/disk';
import { formatBytes } from '../jobs/job-format';

/** '~12 days', 'less than a day', '~3 years' (the engine's `disk-usage` words). */
export function formatDays(days: number): string {
  if (days < 1) return 'less than a day';
  if (days < 1.5) return '~1 day';
  if (days < 730) return `~${Math.round(days)} days`;
  return `~${Math.round(days / 365)} years`;
}

/** '+1.2 GiB/day', '-20 MiB/day' */
export function formatRate(bytesPerDay: number): string {
  const sign = bytesPerDay < 0 ? '-' : '+';
  return `${sign}${formatBytes(Math.round(Math.abs(bytesPerDay)))}/day`;
}

/** '31.2%', '20%': one decimal, dropped when it is 0. */
export function formatPercent(percent: number): string {
  const rounded = Math.round(percent * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}%`;
}

/** The forecast as the Disk view states it under the gauge. */
export function describeForecast(forecast: VolumeForecast): string {
  switch (forecast.state) {
    case 'not-enough-data':
      return 'Not enough history for a forecast yet: it needs daily samples on 3 days over at least 2 days.';
    case 'not-growing':
      return `Not growing (${formatRate(forecast.bytesPerDay)}): no date when it fills up.`;
    case 'growing': {
      const critical = forecast.criticalInDays <= 0
        ? 'it is already below the critical level'
        : `below the critical level in ${formatDays(forecast.criticalInDays)}`;
      return `Growing ${formatRate(forecast.bytesPerDay)}: full in ${formatDays(forecast.fullInDays)}; ${critical}.`;
    }
  }
}

/** The threshold a state is about, and how it reads. */
export function describeVolumeState(volume: Pick<VolumeStatus, 'state' | 'freePercent'>, thresholds: DiskThresholds): string {
  const free = `${formatPercent(volume.freePercent)} free`;
  if (volume.state === 'critical') return `${free}: below the critical level (${formatPercent(thresholds.criticalFreePercent)})`;
  if (volume.state === 'warning') return `${free}: below the warning level (${formatPercent(thresholds.warningFreePercent)})`;
  return `${free}: above the warning level (${formatPercent(thresholds.warningFreePercent)})`;
}

export const stateWords: Record<DiskState, string> = { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL' };

/** The banner's first sentence for one volume: which, how much is free, which level it passed. */
export function describeAlert(volume: VolumeStatus, thresholds: DiskThresholds): string {
  const free = `${formatBytes(volume.freeBytes)} free (${formatPercent(volume.freePercent)})`;
  return volume.state === 'critical'
    ? `Disk critical on ${volume.mountPoint}: ${free}, below the critical level of ${formatPercent(thresholds.criticalFreePercent)}.`
    : `Disk space low on ${volume.mountPoint}: ${free}, below the warning level of ${formatPercent(thresholds.warningFreePercent)}.`;
}

/** What to do, in the banner and the Disk view. */
export function adviseOnAlert(state: DiskState): string {
  if (state === 'critical') {
    return 'Backups refuse to start until space is freed: apply the retention policy (barkeep retention all), delete backups you no longer need, or move the store to a larger volume.';
  }
  return 'Free space before it reaches the critical level, where backups stop: apply the retention policy (barkeep retention all) or delete backups you no longer need.';
}

export function describeGrowth(growth: GrowthRate): string {
  if (growth.kind === 'rate') return formatRate(growth.bytesPerDay);
  return `not enough history (${growth.samples} day${growth.samples === 1 ? '' : 's'})`;
}

/** '~10 GiB for REDUNDANCY 2: 2 backups and ~2 days of WAL' */
export function describeRetentionNeed(usage: Pick<ServerDiskUsage, 'retentionPolicy' | 'retentionNeed'>): string {
  if (usage.retentionPolicy === null) return 'no retention_policy: backups and WAL are kept until deleted';
  if (usage.retentionNeed === null) return `${usage.retentionPolicy}: no complete backup yet to estimate from`;
  const need = usage.retentionNeed;
  return `~${formatBytes(need.bytes)} for ${usage.retentionPolicy}: ${need.backupsKept} backup${need.backupsKept === 1 ? '' : 's'} and ${formatDays(need.walDays)} of WAL`;
}
