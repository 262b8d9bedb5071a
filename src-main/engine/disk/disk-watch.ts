/**
 * Notices a volume crossing a disk threshold, once per crossing: the watch
 * keeps the state it last saw per volume and reports a volume whose state got
 * worse (ok → warning → critical; a volume already past a threshold when first
 * seen counts as crossing it). Getting better is remembered silently, so going
 * past the threshold again later is a new crossing. The Electron shell turns
 * crossings into OS notifications; it never decides what a crossing is.
 */
import type { DiskState, DiskStateChange, DiskThresholds, VolumeStatus } from '../../../shared/domain/disk';
import { formatBytes } from '../check/age';

const severity: Record<DiskState, number> = { ok: 0, warning: 1, critical: 2 };

/** The volumes whose state is worse than the one `known` holds for them (a volume not in it was ok). */
export function findCrossings(known: ReadonlyMap<string, DiskState>, volumes: readonly VolumeStatus[], thresholds: DiskThresholds,
  at: Date): DiskStateChange[] {
  return volumes
    .filter((volume) => severity[volume.state] > severity[known.get(volume.id) ?? 'ok'])
    .map((volume) => ({
      volume,
      previous: known.get(volume.id) ?? 'ok',
      thresholdFreePercent: volume.state === 'critical' ? thresholds.criticalFreePercent : thresholds.warningFreePercent,
      at: at.toISOString(),
    }));
}

/** The notification's words: which volume, how much is free, which threshold it passed, and what to do. */
export function describeDiskStateChange(change: DiskStateChange): { title: string; body: string } {
  const { volume } = change;
  const free = `${formatBytes(volume.freeBytes)} free of ${formatBytes(volume.totalBytes)} (${volume.freePercent.toFixed(1)}%)`;
  const servers = volume.servers.length === 0 ? '' : ` (${volume.servers.join(', ')})`;
  if (volume.state === 'critical') {
    return {
      title: `Disk critical: ${volume.mountPoint}`,
      body: `${free} on ${volume.mountPoint}${servers}, below disk_critical_free_percent = ${change.thresholdFreePercent}%. `
        + 'Backups refuse to start: free space now (barkeep retention all, or delete old backups) or move the store to a larger volume.',
    };
  }
  return {
    title: `Disk space low: ${volume.mountPoint}`,
    body: `${free} on ${volume.mountPoint}${servers}, below disk_warning_free_percent = ${change.thresholdFreePercent}%. `
      + 'Free space before it reaches the critical level: apply the retention policy (barkeep retention all) or delete old backups.',
  };
}

export interface VolumeReading {
  volumes: VolumeStatus[];
  thresholds: DiskThresholds;
}

export class DiskWatch {
  private readonly known = new Map<string, DiskState>();
  private readonly listeners = new Set<(change: DiskStateChange) => void>();
  private running: Promise<void> | null = null;
  private again = false;

  /** `read` judges the volumes now (readVolumeStatuses with the current configuration). */
  constructor(private readonly read: () => Promise<VolumeReading>) {}

  /** True while someone listens: only then do invalidations make the watch look. */
  get watched(): boolean {
    return this.listeners.size > 0;
  }

  /** The first listener makes the watch look at once, so a volume already past a threshold is reported at start. */
  onChange(listener: (change: DiskStateChange) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.look();
    return () => this.listeners.delete(listener);
  }

  /** Drops every listener (the engine closes). */
  dispose(): void {
    this.listeners.clear();
  }

  /** Reads the volumes and reports crossings; calls while one runs make exactly one more run after it. */
  look(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const reading = await this.read();
          this.observe(reading.volumes, reading.thresholds);
        } catch (error) {
          console.error('barkeep: the disk watch could not read the volumes:', error);
        }
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Judges volumes read elsewhere (a disk report): tells the listeners of each crossing and returns them. */
  observe(volumes: readonly VolumeStatus[], thresholds: DiskThresholds, at = new Date()): DiskStateChange[] {
    const crossings = findCrossings(this.known, volumes, thresholds, at);
    // Volumes no longer holding a store are forgotten: if one comes back, it is seen afresh.
    this.known.clear();
    for (const volume of volumes) this.known.set(volume.id, volume.state);
    for (const change of crossings) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          console.error('barkeep: a disk state listener failed:', error);
        }
      }
    }
    return crossings;
  }
}
