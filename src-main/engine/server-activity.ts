/**
 * What the Servers overview shows of a server beside its health, read cheaply
 * enough for every servers:list: the newest archived WAL segment from the
 * catalog's index, the archiver state from its lock file, the newest disk usage
 * sample, and the last restore drill. No store is walked and no server is
 * contacted here; the checks, the scheduler and the drills learn these facts.
 */
import type { ServerDiskGauge } from '../../shared/domain/disk';
import type { ArchiverState, DrillSummary, WalArrival } from '../../shared/domain/server';
import type { Catalog } from './catalog/catalog';
import type { SavedDrill } from './catalog/drill-queries';
import type { GlobalConfig, ServerConfig } from './config/load';
import type { DiskUsageSample } from './disk/usage-history';
import { judgeDiskState } from './disk/volume-report';
import { freePercentOf } from './disk/volume';
import { wantsStreaming } from './scheduler/receiver-launcher';
import { readArchiverLock } from './wal/archiver-lock';

/** The highest segment of the newest timeline (an index lookup) and when it was archived. */
export function readWalArrival(catalog: Catalog, server: string): WalArrival {
  const row = catalog.db.prepare(`SELECT name, archived_at AS archivedAt FROM wal_segments WHERE server = ?
    ORDER BY timeline DESC, name DESC LIMIT 1`).get(server) as { name: string; archivedAt: string } | undefined;
  return { lastSegment: row?.name ?? null, lastArrivalAt: row?.archivedAt ?? null };
}

/** Streaming is running when a live process holds the server's receive-wal lock, whichever process it is. */
export function readArchiverState(server: ServerConfig): ArchiverState {
  const lock = readArchiverLock(server.backupDirectory);
  const wanted = wantsStreaming(server);
  return {
    streaming: lock !== null ? 'running' : wanted ? 'stopped' : 'off',
    streamingPid: lock?.pid ?? null,
    archiveCommand: server.archiver,
  };
}

/** The small gauge of the overview, from the newest sample; its state by today's thresholds. */
export function diskGaugeOf(sample: DiskUsageSample | undefined,
  thresholds: Pick<GlobalConfig, 'diskWarningFreePercent' | 'diskCriticalFreePercent'>): ServerDiskGauge | null {
  if (sample === undefined) return null;
  const { volumeTotal, volumeFree } = sample;
  return {
    measuredAt: sample.measuredAt,
    backupsBytes: sample.backupsBytes,
    walBytes: sample.walBytes,
    volumeTotalBytes: volumeTotal,
    volumeFreeBytes: volumeFree,
    state: volumeTotal !== null && volumeFree !== null && volumeTotal > 0
      ? judgeDiskState(freePercentOf({ totalBytes: volumeTotal, freeBytes: volumeFree }), thresholds)
      : null,
  };
}

export function summariseDrill(drill: SavedDrill | null): DrillSummary | null {
  if (drill === null) return null;
  return {
    ok: drill.ok,
    finishedAt: drill.finishedAt,
    target: drill.target,
    backupId: drill.backupId,
    error: drill.ok ? null : drill.error?.message ?? 'unknown reason',
  };
}
