/**
 * The restore points of a server's archived WAL: found in a segment's bytes
 * (wal-records.ts) as it is archived, or in every archived segment when the
 * catalog is rebuilt, and recorded in the catalog with the segment holding
 * each (the one its record ends in, for one that straddles two segments).
 * Finding them never fails the caller: a file that cannot be read or
 * scanned (not a whole segment, not WAL) simply holds none.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { Lsn } from '../../../shared/domain/names';
import type { RestorePoint } from '../../../shared/domain/restore-point';
import type { Catalog } from '../catalog/catalog';
import { recordRestorePoints } from '../catalog/restore-point-queries';
import { findArchivedWal } from './archive-location';
import { decompressWal } from './compression';
import { formatLsn, formatSegmentName, historyFileName, parseLsn, segmentNumberFromName } from './lsn';
import { readWalSegmentHeader } from './segment-header';
import { parseWalFileName, splitCompressionSuffix } from './segment-name';
import {
  restorePointRecordLimit, scanStraddlingRestorePoint, scanWalRestorePoints, straddlingRecordBytes, type WalRestorePoint,
} from './wal-records';

/**
 * The last page of the segment each archive indexed last, by wals directory: segments arrive in order,
 * so the next one's straddling record is usually read from memory, not from a (compressed) file.
 */
const lastIndexedPages = new Map<string, { segmentName: string; page: Buffer }>();

/** The restore points in the uncompressed bytes of archived segment `segmentName`; none when they cannot be scanned. */
function findSegmentRestorePoints(walsDirectory: string, segmentName: string, bytes: Buffer): RestorePoint[] {
  const parsed = parseWalFileName(segmentName);
  if (parsed?.kind !== 'segment' || parsed.partial) return [];
  let found: WalRestorePoint[];
  try {
    found = scanWalRestorePoints(bytes);
  } catch {
    return [];
  }
  const straddling = findStraddlingRestorePoint(walsDirectory, parsed, bytes);
  // A copy: `bytes` may be a buffer the caller reuses, and 8 KiB is all the next segment needs.
  lastIndexedPages.set(walsDirectory, { segmentName, page: Buffer.from(bytes.subarray(bytes.length - readWalSegmentHeader(bytes).blockSize)) });
  if (straddling) found = [straddling, ...found];
  return found.map((point) => ({
    name: point.name,
    time: point.time,
    timeline: timelineOf(point, parsed.timeline, walsDirectory),
    startLsn: Lsn.parse(formatLsn(point.startLsn)),
    endLsn: Lsn.parse(formatLsn(point.endLsn)),
    segment: segmentName,
  }));
}

/**
 * The restore point whose record starts on the last page of the previous segment of this timeline and ends
 * in this one (`bytes`), or null. Only a short remainder continued into this segment can end a restore point
 * record, so the previous segment is rarely read. One that is not archived, or cannot be read, gives none:
 * when it is archived after this one (out of order), the point is found by `rebuild-catalog`, which scans
 * every segment again with its predecessor in place.
 */
function findStraddlingRestorePoint(walsDirectory: string, segment: { timeline: number; log: number; segment: number }, bytes: Buffer): WalRestorePoint | null {
  try {
    const remainder = straddlingRecordBytes(bytes);
    if (remainder === null || remainder >= restorePointRecordLimit) return null;
    const { segmentSize, blockSize } = readWalSegmentHeader(bytes);
    const number = segmentNumberFromName(segment.log, segment.segment, segmentSize);
    if (number === 0n) return null;
    const previousName = formatSegmentName(segment.timeline, number - 1n, segmentSize);
    const remembered = lastIndexedPages.get(walsDirectory);
    const lastPage = remembered?.segmentName === previousName ? remembered.page : readArchivedLastPage(walsDirectory, previousName, segmentSize, blockSize);
    return lastPage === null ? null : scanStraddlingRestorePoint(lastPage, bytes);
  } catch {
    return null;
  }
}

/**
 * The last page of archived segment `name`: a positioned read of that page when stored plain, the whole file
 * decompressed otherwise; null when it is not archived or not a whole segment.
 */
function readArchivedLastPage(walsDirectory: string, name: string, segmentSize: number, blockSize: number): Buffer | null {
  const found = findArchivedWal(walsDirectory, name);
  if (found === null) return null;
  if (found.compression !== 'none') {
    const whole = decompressWal(readFileSync(found.file), found.compression);
    return whole.length === segmentSize ? whole.subarray(segmentSize - blockSize) : null;
  }
  const descriptor = openSync(found.file, 'r');
  try {
    if (fstatSync(descriptor).size !== segmentSize) return null;
    const page = Buffer.alloc(blockSize);
    return readSync(descriptor, page, 0, blockSize, segmentSize - blockSize) === blockSize ? page : null;
  } finally {
    closeSync(descriptor);
  }
}

/** Records the restore points of a segment just archived; a failure leaves it without them and is not raised. */
export function indexSegmentRestorePoints(catalog: Catalog, server: string, walsDirectory: string, segmentName: string, bytes: Buffer): void {
  try {
    recordRestorePoints(catalog, server, findSegmentRestorePoints(walsDirectory, segmentName, bytes));
  } catch {
    // The segment is archived and indexed already; its restore points come back with `rebuild-catalog`.
  }
}

/**
 * The restore points of every segment archived under `walsDirectory` (compressed ones decompressed), in file
 * order. `onSegment` hears after each segment how many of them have been read: on a large archive this is
 * minutes of decompression.
 */
export function scanArchivedRestorePoints(walsDirectory: string, onSegment?: (done: number, total: number) => void): RestorePoint[] {
  if (!existsSync(walsDirectory)) return [];
  const segments: { file: string; name: string; compression: ReturnType<typeof splitCompressionSuffix>['compression'] }[] = [];
  for (const folder of readdirSync(walsDirectory).filter((entry) => /^[0-9A-F]{16}$/.test(entry)).sort()) {
    for (const file of readdirSync(path.join(walsDirectory, folder)).sort()) {
      const { name, compression } = splitCompressionSuffix(file);
      const parsed = parseWalFileName(name);
      if (parsed?.kind === 'segment' && !parsed.partial) segments.push({ file: path.join(walsDirectory, folder, file), name, compression });
    }
  }
  const points: RestorePoint[] = [];
  segments.forEach((segment, index) => {
    try {
      points.push(...findSegmentRestorePoints(walsDirectory, segment.name, decompressWal(readFileSync(segment.file), segment.compression)));
    } catch {
      // Unreadable or not a whole segment: it holds none.
    }
    onSegment?.(index + 1, segments.length);
  });
  return points;
}

/**
 * The page header's timeline, except on the page where a segment's timeline began: PostgreSQL keeps the
 * parent's page header there, so a record at or after the switch point (N.history) belongs to the new timeline.
 */
function timelineOf(point: WalRestorePoint, fileTimeline: number, walsDirectory: string): number {
  if (point.timeline >= fileTimeline) return point.timeline;
  const branchPoint = readBranchPoint(walsDirectory, fileTimeline);
  return branchPoint !== null && point.startLsn >= branchPoint ? fileTimeline : point.timeline;
}

/** Where `timeline` branched off its parent: the switch point on the last line of its archived history file. */
function readBranchPoint(walsDirectory: string, timeline: number): bigint | null {
  try {
    const lines = readFileSync(path.join(walsDirectory, historyFileName(timeline)), 'utf8').split('\n').filter((line) => /^\s*\d/.test(line));
    const switchLsn = lines.at(-1)?.trim().split(/\s+/)[1];
    return switchLsn === undefined ? null : parseLsn(switchLsn);
  } catch {
    return null;
  }
}
