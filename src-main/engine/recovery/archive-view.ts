/**
 * Reads the planner's view of a server's WAL archive from the store itself
 * (the source of truth, not the catalog's index): every archived segment with
 * its arrival time, the parsed timeline history files, and the segment size.
 * Reads only; the planner (plan.ts) decides.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readArchivedWal } from '../wal/archive-store';
import { segmentNumberFromName } from '../wal/lsn';
import { readWalSegmentHeader } from '../wal/segment-header';
import { parseWalFileName, splitCompressionSuffix } from '../wal/segment-name';
import { parseTimelineHistory, type TimelineSwitch } from '../wal/streaming/timeline-history';
import type { ArchivedSegment, WalArchiveView } from './plan';

const defaultSegmentSize = 16 * 1024 * 1024;

/** Lists the archive under `walsDirectory`; the segment size is read from one archived segment's header. */
export function readWalArchiveView(walsDirectory: string, segmentSizeHint: number | null = null): WalArchiveView {
  const histories = new Map<number, TimelineSwitch[]>();
  const found: { name: string; timeline: number; log: number; segment: number; archivedAt: string | null }[] = [];
  if (existsSync(walsDirectory)) {
    for (const entry of readdirSync(walsDirectory, { withFileTypes: true })) {
      const full = path.join(walsDirectory, entry.name);
      const parsed = parseWalFileName(entry.name);
      if (entry.isFile() && parsed?.kind === 'history') histories.set(parsed.timeline, parseTimelineHistory(readFileSync(full, 'utf8')));
      if (!entry.isDirectory() || !/^[0-9A-F]{16}$/.test(entry.name)) continue;
      for (const file of readdirSync(full)) {
        const segment = parseWalFileName(splitCompressionSuffix(file).name);
        if (segment?.kind !== 'segment' || segment.partial) continue;
        found.push({ ...segment, archivedAt: readArrival(path.join(full, file)) });
      }
    }
  }
  const segmentSize = segmentSizeHint ?? readSegmentSize(walsDirectory, found.at(-1)?.name ?? null);
  const segments = new Map<string, ArchivedSegment>(found.map((segment) => [segment.name, {
    name: segment.name, timeline: segment.timeline, archivedAt: segment.archivedAt,
    segmentNumber: segmentNumberFromName(segment.log, segment.segment, segmentSize),
  }]));
  return { segmentSize, segments, histories };
}

function readArrival(file: string): string | null {
  try {
    return statSync(file).mtime.toISOString();
  } catch {
    return null;
  }
}

function readSegmentSize(walsDirectory: string, name: string | null): number {
  const bytes = name === null ? null : readArchivedWal(walsDirectory, name);
  if (bytes === null) return defaultSegmentSize;
  const size = readWalSegmentHeader(bytes).segmentSize;
  return size >= 1024 * 1024 && (size & (size - 1)) === 0 ? size : defaultSegmentSize;
}
