/**
 * Which WAL segments a server's archive covers: segment numbering (a log id
 * holds 0x100000000 / wal_segment_size segments), gaps inside a timeline, and
 * the per-timeline summary `list-wals` and the app show. Pure functions: the
 * SQL aggregates come in from catalog/wal-queries.ts, no I/O happens here.
 */

export const defaultWalSegmentSize = 16 * 1024 * 1024;

/** What the catalog aggregates per timeline (one GROUP BY over wal_segments). */
export interface WalTimelineStats {
  timeline: number;
  firstSegment: string;
  lastSegment: string;
  segments: number;
  storedBytes: number;
  lastArrivalAt: string | null;
  /** segments whose archived_at falls in the rate window */
  arrivedInWindow: number;
}

/** Missing segments from..to (both included) inside one timeline. */
export interface WalGap {
  from: string;
  to: string;
  segments: number;
}

export interface WalTimelineCoverage {
  timeline: number;
  parent: number | null;
  firstSegment: string;
  lastSegment: string;
  segments: number;
  /** on disk, after compression */
  storedBytes: number;
  /** segments × segment size */
  originalBytes: number;
  /** segments per hour over the rate window */
  arrivalRatePerHour: number;
  lastArrivalAt: string | null;
  gaps: WalGap[];
  missingSegments: number;
}

export const arrivalRateWindowHours = 24;

export function walSegmentsPerLog(segmentSize: number): number {
  if (!Number.isInteger(segmentSize) || segmentSize < 1024 * 1024 || (segmentSize & (segmentSize - 1)) !== 0 || segmentSize > 1024 ** 3) {
    throw new RangeError(`invalid wal segment size ${segmentSize}: a power of two from 1 MiB to 1 GiB`);
  }
  return 0x1_0000_0000 / segmentSize;
}

/** The position of a segment within its timeline: log id × segments per log + segment. Exact: below 2^53. */
export function walSegmentNumber(name: string, segmentSize: number): number {
  return parseSegmentNumber(name, walSegmentsPerLog(segmentSize), segmentSize);
}

const segmentNamePattern = /^[0-9A-F]{24}$/;

function parseSegmentNumber(name: string, perLog: number, segmentSize: number): number {
  if (!segmentNamePattern.test(name)) throw new RangeError(`'${name}' is not a wal segment name`);
  const segment = parseInt(name.slice(16, 24), 16);
  if (segment >= perLog) throw new RangeError(`wal segment '${name}' does not exist with ${segmentSize}-byte segments`);
  return parseInt(name.slice(8, 16), 16) * perLog + segment;
}

export function walSegmentNameAt(timeline: number, segmentNumber: number, segmentSize: number): string {
  const perLog = walSegmentsPerLog(segmentSize);
  return [timeline, Math.floor(segmentNumber / perLog), segmentNumber % perLog]
    .map((part) => part.toString(16).toUpperCase().padStart(8, '0'))
    .join('');
}

/** How many segments first..last spans (both included), in one timeline. */
export function countWalSpan(firstSegment: string, lastSegment: string, segmentSize: number): number {
  return walSegmentNumber(lastSegment, segmentSize) - walSegmentNumber(firstSegment, segmentSize) + 1;
}

/**
 * The holes in a sorted run of segment names of one timeline. Reads the names
 * once and keeps only the gaps, so half a million names cost one pass.
 */
export function findWalGaps(sortedNames: Iterable<string>, segmentSize: number): WalGap[] {
  const perLog = walSegmentsPerLog(segmentSize);
  const gaps: WalGap[] = [];
  let previous: number | null = null;
  for (const name of sortedNames) {
    const current = parseSegmentNumber(name, perLog, segmentSize);
    if (previous !== null && current > previous + 1) {
      const timeline = parseInt(name.slice(0, 8), 16);
      gaps.push({
        from: walSegmentNameAt(timeline, previous + 1, segmentSize),
        to: walSegmentNameAt(timeline, current - 1, segmentSize),
        segments: current - previous - 1,
      });
    }
    previous = current;
  }
  return gaps;
}

/** True when a timeline's count is smaller than its span: only then is a scan for gaps worth it. */
export function hasWalGaps(stats: WalTimelineStats, segmentSize: number): boolean {
  return stats.segments < countWalSpan(stats.firstSegment, stats.lastSegment, segmentSize);
}

export function summariseWalTimeline(
  stats: WalTimelineStats,
  gaps: readonly WalGap[],
  segmentSize: number,
  parent: number | null = null,
): WalTimelineCoverage {
  return {
    timeline: stats.timeline,
    parent,
    firstSegment: stats.firstSegment,
    lastSegment: stats.lastSegment,
    segments: stats.segments,
    storedBytes: stats.storedBytes,
    originalBytes: stats.segments * segmentSize,
    arrivalRatePerHour: Math.round((stats.arrivedInWindow / arrivalRateWindowHours) * 100) / 100,
    lastArrivalAt: stats.lastArrivalAt,
    gaps: [...gaps],
    missingSegments: gaps.reduce((total, gap) => total + gap.segments, 0),
  };
}

/** 1536 → '1.5 KiB': binary units, as du -h and Barman print sizes. */
export function formatWalBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
