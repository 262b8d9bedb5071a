/**
 * Which volume a store folder lives on, and how full it is: the device id
 * (st_dev) that groups servers sharing a volume, its mount point (the highest
 * ancestor on the same device) for messages, and statfs's size and free bytes.
 * Reads only; a folder that does not exist yet is placed by its nearest parent.
 */
import { stat, statfs } from 'node:fs/promises';
import path from 'node:path';

export interface VolumeInfo {
  /** st_dev of the folder (or its nearest existing parent), as text: equal ids, same volume */
  id: string;
  /** where that volume is mounted, as seen from the folder's path */
  mountPoint: string;
  totalBytes: number;
  /** what an unprivileged writer may still use (statfs bavail) */
  freeBytes: number;
}

/** The volume holding `folder`; null when not even the root can be read. */
export async function locateVolume(folder: string): Promise<VolumeInfo | null> {
  const existing = await nearestExistingFolder(folder);
  if (existing === null) return null;
  const [stats, space] = await Promise.all([stat(existing.folder), statfs(existing.folder)]);
  return {
    id: String(stats.dev),
    mountPoint: await findMountPoint(existing.folder, stats.dev),
    totalBytes: space.blocks * space.bsize,
    freeBytes: space.bavail * space.bsize,
  };
}

/**
 * The volumes holding the servers' backup and WAL folders, each with the names
 * of the servers on it, in the order the folders first meet them. Folders that
 * cannot be placed are left out.
 */
export async function groupServersByVolume<Name extends string>(servers: readonly { name: Name; backupDirectory: string; walsDirectory: string }[]):
  Promise<{ volume: VolumeInfo; servers: Name[] }[]> {
  const volumes = new Map<string, { volume: VolumeInfo; servers: Name[] }>();
  for (const server of servers) {
    for (const folder of [server.backupDirectory, server.walsDirectory]) {
      const volume = await locateVolume(folder);
      if (volume === null) continue;
      const known = volumes.get(volume.id);
      if (!known) volumes.set(volume.id, { volume, servers: [server.name] });
      else if (!known.servers.includes(server.name)) known.servers.push(server.name);
    }
  }
  return [...volumes.values()];
}

/** Free space as a percentage of the volume's size (0 for a volume that reports no size). */
export function freePercentOf(volume: Pick<VolumeInfo, 'totalBytes' | 'freeBytes'>): number {
  return volume.totalBytes > 0 ? (volume.freeBytes / volume.totalBytes) * 100 : 0;
}

async function nearestExistingFolder(folder: string): Promise<{ folder: string } | null> {
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    try {
      await stat(current);
      return { folder: current };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || current === path.dirname(current)) return null;
    }
  }
}

/** Walks up while the parent is on the same device: the last such folder is the mount point. */
async function findMountPoint(folder: string, dev: number): Promise<string> {
  let current = folder;
  for (let parent = path.dirname(current); parent !== current; current = parent, parent = path.dirname(current)) {
    try {
      if ((await stat(parent)).dev !== dev) return current;
    } catch {
      return current;
    }
  }
  return current;
}
