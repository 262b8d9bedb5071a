/**
 * The 'wal:coverage' answer for one server: the archive's per-timeline
 * coverage from the catalog (wal-queries.ts), turned into segment numbers,
 * with the complete backups placed on it and the spans a restore can reach
 * (recoverable-ranges.ts). Timelines are judged oldest first, so a child can
 * inherit its parent's reach at its branch point. Reads only.
 */
import type { BackupInfo } from '../../../shared/domain/backup';
import type { CoverageBackup, CoverageGap, TimelineCoverage, WalCoverageView } from '../../../shared/domain/wal-coverage';
import { isCompleteBackup } from '../backup/backup-selector';
import type { Catalog } from '../catalog/catalog';
import { detectWalSegmentSize, queryWalCoverage } from '../catalog/wal-queries';
import type { ServerConfig } from '../config/load';
import { parseLsn, segmentNumberOf } from './lsn';
import { archivedRuns, findRecoverableSpans, reachesBranchPoint, type SegmentSpan } from './recoverable-ranges';
import { walSegmentNameAt, walSegmentNumber, type WalTimelineCoverage } from './wal-coverage';

export function buildWalCoverageView(catalog: Catalog, server: ServerConfig, now = new Date()): WalCoverageView {
  const segmentSize = detectWalSegmentSize(catalog, server.name, server.walsDirectory);
  const archived = new Map(queryWalCoverage(catalog, server.name, segmentSize, now).timelines.map((coverage) => [coverage.timeline, coverage]));
  const backups = placeBackups(catalog.listBackups(server.name), segmentSize);
  const branches = queryBranchPoints(catalog, server.name);
  const timelines = [...new Set([...archived.keys(), ...backups.keys()])].sort((a, b) => a - b);

  const reach = new Map<number, SegmentSpan[]>();
  const result: TimelineCoverage[] = timelines.map((timeline) => {
    const coverage = archived.get(timeline) ?? null;
    const placed = backups.get(timeline) ?? [];
    const branch = branches.get(timeline);
    const parent = coverage?.parent ?? branch?.parent ?? null;
    const gaps = coverage === null ? [] : coverage.gaps.map((gap) => toGap(gap, segmentSize));
    const runs = coverage === null ? [] : archivedRuns(walSegmentNumber(coverage.firstSegment, segmentSize), walSegmentNumber(coverage.lastSegment, segmentSize), gaps);
    const switchSegment = branch?.switchLsn === undefined || branch.switchLsn === null ? null : Number(segmentNumberOf(parseLsn(branch.switchLsn), segmentSize));
    const inherited = parent !== null && switchSegment !== null && reachesBranchPoint(reach.get(parent) ?? [], switchSegment) ? switchSegment : null;
    const recoverable = findRecoverableSpans(runs, placed.flatMap((backup) => (backup.endSegment === null ? [] : [{ begin: backup.beginSegment, end: backup.endSegment }])), inherited);
    reach.set(timeline, recoverable);
    return {
      timeline, parent, archive: coverage === null ? null : toArchive(coverage, segmentSize), gaps, backups: placed,
      recoverable: recoverable.map((span) => ({ ...span, fromName: walSegmentNameAt(timeline, span.from, segmentSize), toName: walSegmentNameAt(timeline, span.to, segmentSize) })),
    };
  });
  return { server: server.name, segmentSize, at: now.toISOString(), timelines: result };
}

function toArchive(coverage: WalTimelineCoverage, segmentSize: number): NonNullable<TimelineCoverage['archive']> {
  return {
    firstSegment: coverage.firstSegment,
    lastSegment: coverage.lastSegment,
    first: walSegmentNumber(coverage.firstSegment, segmentSize),
    last: walSegmentNumber(coverage.lastSegment, segmentSize),
    segments: coverage.segments,
    storedBytes: coverage.storedBytes,
    lastArrivalAt: coverage.lastArrivalAt,
  };
}

function toGap(gap: { from: string; to: string; segments: number }, segmentSize: number): CoverageGap {
  return { from: walSegmentNumber(gap.from, segmentSize), to: walSegmentNumber(gap.to, segmentSize), fromName: gap.from, toName: gap.to, segments: gap.segments };
}

/** Complete backups with a known begin WAL, by timeline, oldest first. */
function placeBackups(backups: readonly BackupInfo[], segmentSize: number): Map<number, CoverageBackup[]> {
  const byTimeline = new Map<number, CoverageBackup[]>();
  for (const backup of backups) {
    if (!isCompleteBackup(backup) || backup.beginWal === null) continue;
    const timeline = backup.timeline ?? parseInt(backup.beginWal.slice(0, 8), 16);
    const placed: CoverageBackup = {
      backupId: backup.backupId,
      name: backup.name,
      status: backup.status,
      beginSegment: walSegmentNumber(backup.beginWal, segmentSize),
      endSegment: backup.endWal === null ? null : walSegmentNumber(backup.endWal, segmentSize),
      beginTime: backup.beginTime,
      endTime: backup.endTime,
    };
    byTimeline.set(timeline, [...(byTimeline.get(timeline) ?? []), placed]);
  }
  for (const list of byTimeline.values()) list.sort((a, b) => a.beginSegment - b.beginSegment || (a.backupId < b.backupId ? -1 : 1));
  return byTimeline;
}

/** Where each known timeline branched off its parent (from the archived history files, via the catalog). */
function queryBranchPoints(catalog: Catalog, server: string): Map<number, { parent: number | null; switchLsn: string | null }> {
  const rows = catalog.db.prepare('SELECT timeline, parent, switch_lsn AS switchLsn FROM timelines WHERE server = ?')
    .all(server) as { timeline: number; parent: number | null; switchLsn: string | null }[];
  return new Map(rows.map((row) => [row.timeline, { parent: row.parent, switchLsn: row.switchLsn }]));
}
