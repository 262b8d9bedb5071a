/**
 * How fast a restore runs on this machine, for the restore plan's time
 * estimate: measured by the server's last restores (succeeded restore jobs:
 * bytes copied over their run time), else by its last passed drills (the
 * backup's size over the whole drill: copy, start, recovery, validation), else
 * by its last backups taken without reuse (their size over their own duration),
 * else a documented default. estimateRestoreThroughput is pure arithmetic on
 * the figures; readRestoreMeasurements gathers them from the catalog.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { Catalog } from '../catalog/catalog';
import { listDrills } from '../catalog/drill-queries';
import { listSucceededJobs } from '../catalog/job-queries';

/** One measured run: the bytes it moved and the seconds it took. */
export interface ThroughputSample {
  bytes: number;
  seconds: number;
}

/** Each list newest first. */
export interface RestoreMeasurements {
  restores: readonly ThroughputSample[];
  drills: readonly ThroughputSample[];
  backups: readonly ThroughputSample[];
}

export interface ThroughputEstimate {
  bytesPerSecond: number;
  source: 'measured' | 'assumed';
  /** where the figure came from, for the plan: 'measured by the last 3 restores', 'default estimate: …' */
  basis: string;
}

/**
 * Assumed when nothing usable was measured: a local copy between ordinary disks (SATA SSDs copy at 200–500 MiB/s;
 * `npm run bench -- --only restore-local` shows this machine's rate). A guess on the slow side, on purpose.
 */
export const defaultThroughputBytesPerSecond = 200 * 1024 * 1024;
/** How many of the newest usable runs make the estimate. */
export const samplesPerEstimate = 3;
/** Smaller runs are mostly fixed costs (planning, checks, starting PostgreSQL), not copying: they say little about a rate. */
export const minimumSampleBytes = 64 * 1024 * 1024;

const sources = [
  { key: 'restores', one: 'the last restore', many: 'restores' },
  { key: 'drills', one: 'the last drill (copy, start, recovery and validation)', many: 'drills (copy, start, recovery and validation)' },
  { key: 'backups', one: 'the last backup (its copy into the store)', many: 'backups (their copy into the store)' },
] as const;

/**
 * The rate of the newest kind of measurement that has usable runs: the bytes of its last (up to) three runs over
 * their seconds, so that a long run weighs more than a short one.
 */
export function estimateRestoreThroughput(measurements: RestoreMeasurements): ThroughputEstimate {
  for (const source of sources) {
    const used = measurements[source.key].filter(isUsable).slice(0, samplesPerEstimate);
    if (used.length === 0) continue;
    const bytes = used.reduce((total, sample) => total + sample.bytes, 0);
    const seconds = used.reduce((total, sample) => total + sample.seconds, 0);
    return {
      bytesPerSecond: bytes / seconds, source: 'measured',
      basis: `measured by ${used.length === 1 ? source.one : `the last ${used.length} ${source.many}`}`,
    };
  }
  return defaultThroughputEstimate();
}

export function defaultThroughputEstimate(): ThroughputEstimate {
  return { bytesPerSecond: defaultThroughputBytesPerSecond, source: 'assumed', basis: 'default estimate: no restore measured yet' };
}

function isUsable(sample: ThroughputSample): boolean {
  return Number.isFinite(sample.bytes) && Number.isFinite(sample.seconds) && sample.bytes >= minimumSampleBytes && sample.seconds > 0;
}

/** A server's measured runs from the catalog; `backups` are its backups (the catalog's listBackups), for sizes and durations. */
export function readRestoreMeasurements(catalog: Catalog, server: string, backups: readonly BackupInfo[]): RestoreMeasurements {
  const restores = listSucceededJobs(catalog, server, 'restore').map((job) => ({
    bytes: job.bytesDone, seconds: (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000,
  }));
  // A drill records no byte count: the size of the backup it restored stands for it (a deleted backup's drill is left out).
  const sizes = new Map(backups.map((backup) => [backup.backupId as string, backup.sizeBytes]));
  const drills = listDrills(catalog, server).filter((drill) => drill.ok && drill.backupId !== null && sizes.has(drill.backupId))
    .map((drill) => ({ bytes: sizes.get(drill.backupId!)!, seconds: drill.durationSeconds }));
  // A backup that hard-linked or copied files from an earlier one did not move its whole size.
  const copiedWhole = backups.filter((backup) => backup.status === 'DONE' && (backup.durationSeconds ?? 0) > 0 && !(backup.reusedFiles ?? 0))
    .sort((a, b) => (a.backupId < b.backupId ? 1 : -1))
    .map((backup) => ({ bytes: backup.sizeBytes, seconds: backup.durationSeconds! }));
  return { restores, drills, backups: copiedWhole };
}
