/**
 * The volumes holding the configured stores, and their state right now: each
 * server's backup and WAL folders placed on their volume (stat and statfs, no
 * walk of the store), grouped by device, judged against the global thresholds.
 * Cheap enough for every refresh of the UI and for the disk watch; the bytes
 * each store holds come from the usage samples instead.
 */
import type { VolumeStatus } from '../../../shared/domain/disk';
import type { ServerConfig } from '../config/load';
import { judgeDiskState } from './volume-report';
import { freePercentOf, groupServersByVolume } from './volume';

type Thresholds = Parameters<typeof judgeDiskState>[1];

/** One entry per volume, in the order the servers' folders first meet them. */
export async function readVolumeStatuses(servers: readonly ServerConfig[], thresholds: Thresholds): Promise<VolumeStatus[]> {
  return (await groupServersByVolume(servers)).map(({ volume, servers: names }) => {
    const freePercent = Math.min(100, Math.max(0, freePercentOf(volume)));
    return {
      id: volume.id,
      mountPoint: volume.mountPoint,
      totalBytes: volume.totalBytes,
      freeBytes: volume.freeBytes,
      usedBytes: Math.max(0, volume.totalBytes - volume.freeBytes),
      freePercent,
      state: judgeDiskState(freePercent, thresholds),
      servers: names,
    };
  });
}
