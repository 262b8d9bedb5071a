/**
 * "A backup that will not fit fails before it starts": the backup orchestrator
 * asks here, holding the server's lock but before it creates a folder or a
 * catalog row. Refuses when the backup volume is already below
 * disk_critical_free_percent, or when the estimated need would not fit or would
 * take it below that level. The estimate: what the next backup adds
 * (forecast.ts: the newest complete backup's own bytes with reuse link, its
 * whole size otherwise) plus 20% for growth since then, the manifest and the
 * WAL the backup waits for. Without an earlier backup only the level is checked.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import { formatBytes } from '../check/age';
import type { ServerConfig } from '../config/load';
import { estimateNextBackupBytes } from './forecast';
import { freePercentOf, locateVolume, type VolumeInfo } from './volume';

export const backupFitMargin = 1.2;

export interface BackupFitInput {
  volume: Pick<VolumeInfo, 'totalBytes' | 'freeBytes'>;
  criticalFreePercent: number;
  /** the newest complete backup; null before the first */
  newest: Pick<BackupInfo, 'sizeBytes' | 'ownBytes'> | null;
  reuse: 'off' | 'copy' | 'link';
}

export type BackupFit =
  | { verdict: 'fits'; needBytes: number | null }
  | { verdict: 'below-critical'; freePercent: number }
  | { verdict: 'too-large'; needBytes: number }
  | { verdict: 'would-cross-critical'; needBytes: number; freePercentAfter: number };

/** Pure: the verdict on a volume's numbers. */
export function judgeBackupFit(input: BackupFitInput): BackupFit {
  const freePercent = freePercentOf(input.volume);
  if (freePercent < input.criticalFreePercent) return { verdict: 'below-critical', freePercent };
  if (input.newest === null) return { verdict: 'fits', needBytes: null };
  const needBytes = Math.ceil(estimateNextBackupBytes(input.newest, input.reuse) * backupFitMargin);
  if (needBytes > input.volume.freeBytes) return { verdict: 'too-large', needBytes };
  const freePercentAfter = freePercentOf({ totalBytes: input.volume.totalBytes, freeBytes: input.volume.freeBytes - needBytes });
  if (freePercentAfter < input.criticalFreePercent) return { verdict: 'would-cross-critical', needBytes, freePercentAfter };
  return { verdict: 'fits', needBytes };
}

/** Throws disk-full unless the next backup of `server` fits on its backup volume. */
export async function assertBackupFits(catalog: Catalog, server: ServerConfig, reuse: BackupFitInput['reuse'],
  criticalFreePercent: number): Promise<void> {
  const volume = await locateVolume(server.backupDirectory);
  if (volume === null) return;
  const newest = catalog.listBackups(server.name).filter((backup) => backup.status === 'DONE' || backup.status === 'WAITING_FOR_WALS').at(-1) ?? null;
  const fit = judgeBackupFit({ volume, criticalFreePercent, newest, reuse });
  if (fit.verdict === 'fits') return;
  const hint = `free space on that volume, delete obsolete backups with \`barkeep retention ${server.name}\`, `
    + `or move backup_directory (${server.file}) to a larger volume`;
  const where = `the backup volume '${volume.mountPoint}'`;
  if (fit.verdict === 'below-critical') {
    throw new EngineError('disk-full',
      `backup of server '${server.name}' refused: ${where} has ${fit.freePercent.toFixed(1)}% free (${formatBytes(volume.freeBytes)} of `
        + `${formatBytes(volume.totalBytes)}), below disk_critical_free_percent (${criticalFreePercent}%)`, hint);
  }
  const basis = reuse === 'link' && newest?.ownBytes !== null ? 'the last backup\'s own bytes' : 'the last backup\'s size';
  const need = `backup of server '${server.name}' needs about ${formatBytes(fit.needBytes)} (${basis}, plus ${Math.round((backupFitMargin - 1) * 100)}%)`;
  if (fit.verdict === 'too-large') {
    throw new EngineError('disk-full', `${need} but ${where} has ${formatBytes(volume.freeBytes)} free`, hint);
  }
  throw new EngineError('disk-full',
    `${need} and would leave ${where} with ${fit.freePercentAfter.toFixed(1)}% free, below disk_critical_free_percent (${criticalFreePercent}%)`, hint);
}
