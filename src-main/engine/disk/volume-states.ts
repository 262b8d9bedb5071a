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
import { freePercentOf, locateVolume } from './volume';

type Thresholds = Parameters<typeof judgeDiskState>[1];

/** One entry per volume, in the order the servers' folders first meet them. */
export async function readVolumeStatuses(servers: readonly ServerConfig[], thresholds: Thresholds): Promise<VolumeStatus[]> {
  const volumes = new Map<string, VolumeStatus>();
  for (const server of servers) {
    for (const folder of [server.backupDirectory, server.walsDirectory]) {
      const volume = await locateVolume(folder);
      if (volume === null) continue;
      const known = volumes.get(volume.id);
      if (known) {
        if (!known.servers.includes(server.name)) known.servers.push(server.name);
        continue;
      }
      const freePercent = Math.min(100, Math.max(0, freePercentOf(volume)));
      volumes.set(volume.id, {
        id: volume.id,
        mountPoint: volume.mountPoint,
        totalBytes: volume.totalBytes,
        freeBytes: volume.freeBytes,
        usedBytes: Math.max(0, volume.totalBytes - volume.freeBytes),
        freePercent,
        state: judgeDiskState(freePercent, thresholds),
        servers: [server.name],
      });
    }
  }
  return [...volumes.values()];
}
