/**
 * Recreates the catalog's index tables (servers, backups, WAL segments,
 * timelines, restore points) from the store on disk, the source of truth.
 * History tables (jobs, checks, events) are kept when the old catalog can
 * still be opened.
 */
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { readBackupInfo, listBackupInfoFiles } from '../store/backup-info-file';
import { readStoreIdentity } from '../store/identity-file';
import type { StorePaths } from '../store/layout';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { scanArchivedRestorePoints } from '../wal/restore-points';
import { parseWalFileName, splitCompressionSuffix } from '../wal/segment-name';
import { Catalog, type TimelineRow, type WalSegmentRow } from './catalog';
import { recordRestorePoints } from './restore-point-queries';

export interface IndexedServer extends StorePaths {
  name: string;
}

export interface RebuildReport {
  servers: number;
  backups: number;
  walSegments: number;
  timelines: number;
  /** found in the archived segments, each read (decompressed) and scanned */
  restorePoints: number;
  problems: string[];
  /** set when the old catalog could not be opened and was moved aside */
  movedAside: string | null;
}

/** The catalog row of one archived WAL file, from the file itself (same on the live path and on rebuild). */
export function walSegmentRow(server: string, file: string): WalSegmentRow | null {
  const { name, compression } = splitCompressionSuffix(path.basename(file));
  const parsed = parseWalFileName(name);
  if (parsed?.kind !== 'segment' || parsed.partial) return null;
  const stat = statSync(file);
  return { server, name, timeline: parsed.timeline, sizeBytes: stat.size, compression, archivedAt: stat.mtime.toISOString() };
}

/** A timeline history file's last line names the parent timeline and the switch point. */
export function timelineRow(server: string, file: string): TimelineRow | null {
  const parsed = parseWalFileName(path.basename(file));
  if (parsed?.kind !== 'history') return null;
  const lines = readFileSync(file, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'));
  const last = lines.at(-1)?.split(/\s+/);
  return {
    server,
    timeline: parsed.timeline,
    parent: last?.[0] === undefined ? null : Number.parseInt(last[0], 10),
    switchLsn: last?.[1] ?? null,
    reason: last === undefined ? null : last.slice(2).join(' ') || null,
  };
}

function indexWalArchive(catalog: Catalog, server: IndexedServer, report: RebuildReport): void {
  if (!existsSync(server.walsDirectory)) return;
  const rows: WalSegmentRow[] = [];
  for (const entry of readdirSync(server.walsDirectory, { withFileTypes: true })) {
    const full = path.join(server.walsDirectory, entry.name);
    if (entry.isFile()) {
      const timeline = timelineRow(server.name, full);
      if (timeline) {
        catalog.upsertTimeline(timeline);
        report.timelines += 1;
      }
    } else if (entry.isDirectory() && /^[0-9A-F]{16}$/.test(entry.name)) {
      for (const file of readdirSync(full)) {
        const row = walSegmentRow(server.name, path.join(full, file));
        if (row) rows.push(row);
      }
    }
  }
  catalog.upsertWalSegments(rows);
  report.walSegments += rows.length;
}

function indexServer(catalog: Catalog, server: IndexedServer, restorePoints: readonly RestorePoint[], report: RebuildReport): void {
  const identity = readStoreIdentity(server);
  catalog.upsertServerFacts({
    name: server.name,
    systemId: identity?.systemId ?? null,
    pgVersion: identity?.pgVersion ?? null,
    learntAt: identity?.learntAt ?? null,
  });
  report.servers += 1;
  for (const file of listBackupInfoFiles(server)) {
    if (!existsSync(file)) {
      report.problems.push(`backup folder '${path.dirname(file)}' has no backup.json; it was left out`);
      continue;
    }
    try {
      catalog.upsertBackup(readBackupInfo(file));
      report.backups += 1;
    } catch (error) {
      report.problems.push((error as Error).message);
    }
  }
  indexWalArchive(catalog, server, report);
  recordRestorePoints(catalog, server.name, restorePoints);
  report.restorePoints += restorePoints.length;
}

/** How far the scan of the archived WAL for restore points has come (the long part of a rebuild). */
export interface RebuildProgress {
  server: string;
  segmentsRead: number;
  segments: number;
}

export function rebuildCatalog(file: string, servers: readonly IndexedServer[], onProgress?: (progress: RebuildProgress) => void): RebuildReport {
  const report: RebuildReport = { servers: 0, backups: 0, walSegments: 0, timelines: 0, restorePoints: 0, problems: [], movedAside: null };
  let catalog: Catalog;
  try {
    catalog = Catalog.open(file);
  } catch (error) {
    if (!existsSync(file)) throw error;
    report.movedAside = `${file}.unreadable-${Date.now()}`;
    renameSync(file, report.movedAside);
    report.problems.push(`the old catalog could not be opened (${(error as Error).message}); it was moved to '${report.movedAside}'`);
    catalog = Catalog.open(file);
  }
  try {
    // Reading every archived segment takes long: done before the transaction, so the write lock is held briefly.
    const restorePoints = servers.map((server) => scanArchivedRestorePoints(server.walsDirectory,
      (segmentsRead, segments) => onProgress?.({ server: server.name, segmentsRead, segments })));
    catalog.db.transaction(() => {
      for (const table of ['servers', 'backups', 'wal_segments', 'timelines', 'restore_points']) catalog.db.exec(`DELETE FROM ${table}`);
      servers.forEach((server, index) => indexServer(catalog, server, restorePoints[index]!, report));
    })();
  } finally {
    catalog.close();
  }
  return report;
}
