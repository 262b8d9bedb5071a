/**
 * Checks of this machine's side of the store: the server's folders (created
 * when missing, as Barman does, then proven writable), the WAL compression
 * codec, free space on the backup and WAL volumes against the global
 * thresholds, and the disk forecast (disk/ computes it from the usage history).
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServerConfig } from '../config/load';
import { describeForecast, type VolumeForecast } from '../disk/forecast';
import { forecastForVolume, judgeDiskState } from '../disk/volume-report';
import { freePercentOf, locateVolume, type VolumeInfo } from '../disk/volume';
import { formatBytes } from './age';
import { always, failed, passed, type CheckDefinition } from './model';

const storeFolders = [
  ['backup_directory', 'backupDirectory'],
  ['wals_directory', 'walsDirectory'],
  ['incoming_wals_directory', 'incomingWalsDirectory'],
  ['streaming_wals_directory', 'streamingWalsDirectory'],
  ['errors_directory', 'errorsDirectory'],
] as const satisfies readonly (readonly [string, keyof ServerConfig])[];

export const directoriesCheck: CheckDefinition = {
  name: 'directories',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    for (const [option, field] of storeFolders) {
      const folder = ctx.server[field];
      const problem = await proveWritable(folder);
      if (problem !== null) {
        return failed(`'${folder}' (${option}) ${problem}`,
          `give ${os.userInfo().username} write access to '${folder}', or set ${option} in ${ctx.server.file} to a folder it can write`);
      }
    }
    return passed();
  },
};

/** Creates the folder when missing and writes and removes a probe file; returns what is wrong, or null. */
async function proveWritable(folder: string): Promise<string | null> {
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    if (!(await stat(folder)).isDirectory()) return 'is not a folder';
    const probe = path.join(folder, `.barkeep-check-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return 'is not a folder';
    return `is not writable (${code ?? (error as Error).message})`;
  }
}

export const compressionCheck: CheckDefinition = {
  name: 'compression settings',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const compression = ctx.server.compression;
    if (compression === 'none') return passed();
    try {
      // Imported here, not at the top: a codec that fails to load must fail this check, not the command.
      const { compressWal, decompressWal } = await import('../wal/compression');
      const sample = Buffer.from(Array.from({ length: 65_536 }, (_, index) => (index * 31) % 251));
      if (!decompressWal(compressWal(sample, compression), compression).equals(sample)) throw new Error('a round trip changed the data');
      return passed();
    } catch (error) {
      return failed(`compression = ${compression} does not work here: ${(error as Error).message}`,
        `set compression = gzip (or none) in ${ctx.server.file}${compression === 'zstd' ? ', or reinstall Barkeep so that zstd-napi builds' : ''}`);
    }
  },
};

export const freeDiskSpaceCheck: CheckDefinition = {
  name: 'free disk space',
  severity: 'critical',
  appliesTo: always,
  async run(ctx) {
    const { diskCriticalFreePercent: critical, diskWarningFreePercent: warning } = ctx.global;
    const volumes = await locateStoreVolumes(ctx.server);
    if (volumes.length === 0) {
      return failed(`no volume found for '${ctx.server.backupDirectory}'`, `set backup_directory in ${ctx.server.file} to a folder on a mounted volume`);
    }
    const details = volumes.map((volume) => {
      const forecast = forecastForVolume(ctx.catalog, volume, critical, ctx.now);
      return `${freePercentOf(volume).toFixed(0)}% free, ${formatBytes(volume.freeBytes)} of ${formatBytes(volume.totalBytes)} on the volume of '${volume.mountPoint}'`
        + (forecast.state === 'growing' ? `, ${describeForecast(forecast)}` : '');
    });
    const lowest = Math.min(...volumes.map(freePercentOf));
    const detail = details.join('; ');
    const hint = (level: string, value: number): string =>
      `free space on that volume or move backup_directory (${ctx.server.file}) to a larger one; ${level} is ${value}% (barkeep.conf)`
        + (level === 'disk_critical_free_percent' ? ': below it backups refuse to start' : '');
    const state = judgeDiskState(lowest, ctx.global);
    if (state === 'critical') return failed(detail, hint('disk_critical_free_percent', critical), 'critical');
    if (state === 'warning') return failed(detail, hint('disk_warning_free_percent', warning), 'warning');
    return passed(detail);
  },
};

/** Warns when the daily usage history says a store volume fills up within disk_forecast_warning_days. */
export const diskForecastCheck: CheckDefinition = {
  name: 'disk forecast',
  severity: 'warning',
  appliesTo: always,
  async run(ctx) {
    const { diskCriticalFreePercent: critical, diskForecastWarningDays: warningDays } = ctx.global;
    const forecasts = (await locateStoreVolumes(ctx.server)).map((volume) => ({ volume, forecast: forecastForVolume(ctx.catalog, volume, critical, ctx.now) }));
    const soonest = forecasts
      .filter((entry) => entry.forecast.state === 'growing')
      .sort((a, b) => fullInDays(a.forecast) - fullInDays(b.forecast))[0];
    if (soonest && warningDays > 0 && fullInDays(soonest.forecast) <= warningDays) {
      return failed(`the volume of '${soonest.volume.mountPoint}' is ${describeForecast(soonest.forecast)}`,
        `free space on that volume, delete obsolete backups with \`barkeep retention ${ctx.server.name}\`, or move backup_directory `
          + `(${ctx.server.file}) to a larger volume; disk_forecast_warning_days is ${warningDays} (barkeep.conf)`, 'warning');
    }
    return passed(soonest ? describeForecast(soonest.forecast) : describeForecast(forecasts[0]?.forecast ?? { state: 'not-enough-data' }));
  },
};

function fullInDays(forecast: VolumeForecast): number {
  return forecast.state === 'growing' ? forecast.fullInDays : Number.POSITIVE_INFINITY;
}

/** The volumes of backup_directory and wals_directory, once each. */
async function locateStoreVolumes(server: ServerConfig): Promise<VolumeInfo[]> {
  const volumes = new Map<string, VolumeInfo>();
  for (const folder of [server.backupDirectory, server.walsDirectory]) {
    const volume = await locateVolume(folder);
    if (volume !== null && !volumes.has(volume.id)) volumes.set(volume.id, volume);
  }
  return [...volumes.values()];
}
