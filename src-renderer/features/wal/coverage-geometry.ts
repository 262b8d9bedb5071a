/**
 * Where the coverage bar draws things, in percent of its width: one timeline's
 * segment numbers mapped onto 0–100, the archived runs, the recoverable spans,
 * the gaps (never thinner than a visible sliver), and the backups' ticks:
 * which are drawn (thousands of backups would paint the bar solid, so ticks
 * closer than a minimum are thinned) and which drawn ones get a label that
 * does not overlap (the newest wins in both). Pure; the SVG reads it.
 */
import type { CoverageBackup, CoverageGap, RecoverableSpan, SegmentSpan, TimelineCoverage } from '../../../shared/domain/wal-coverage';

export interface Block {
  /** left edge, percent */
  x: number;
  /** percent */
  width: number;
}

export interface Tick {
  backup: CoverageBackup;
  /** the begin segment's left edge, percent */
  x: number;
  /** the end segment's right edge, percent (x when the end is unknown) */
  endX: number;
  /** whether it is drawn: false when a newer tick is too close */
  drawn: boolean;
  /** whether its label has room (only drawn ticks get one) */
  labelled: boolean;
}

export interface TimelineGeometry {
  /** the segment numbers at the bar's two ends (both included) */
  lo: number;
  hi: number;
  archived: Block[];
  recoverable: Array<Block & { span: RecoverableSpan; startsAt: string | null }>;
  gaps: Array<Block & { gap: CoverageGap }>;
  ticks: Tick[];
}

export interface GeometryOptions {
  /** the thinnest a gap is drawn, so one missing segment in a long archive still shows */
  minGapWidth: number;
  /** how far apart two drawn ticks must be */
  minTickDistance: number;
  /** how far apart two tick labels must be */
  minLabelDistance: number;
}

export const defaultGeometryOptions: GeometryOptions = { minGapWidth: 0.6, minTickDistance: 0.8, minLabelDistance: 14 };

/** Null when the timeline has nothing to draw (no archive and no backup). */
export function layoutTimeline(timeline: TimelineCoverage, options: GeometryOptions = defaultGeometryOptions): TimelineGeometry | null {
  const archive = timeline.archive;
  const points = [
    ...(archive === null ? [] : [archive.first, archive.last]),
    ...timeline.backups.flatMap((backup) => (backup.endSegment === null ? [backup.beginSegment] : [backup.beginSegment, backup.endSegment])),
  ];
  if (points.length === 0) return null;
  const lo = Math.min(...points);
  const hi = Math.max(...points);
  const extent = hi - lo + 1;
  const left = (segment: number): number => ((segment - lo) / extent) * 100;
  const block = (from: number, to: number, minWidth = 0): Block => {
    const width = Math.max(((to - from + 1) / extent) * 100, minWidth);
    return { x: Math.min(left(from), 100 - width), width };
  };

  const archived = archive === null ? [] : runsBetweenGaps(archive.first, archive.last, timeline.gaps).map((run) => block(run.from, run.to));
  const recoverable = timeline.recoverable.map((span) => ({
    ...block(span.from, span.to),
    span,
    // A span opened by a backup starts at its end: when it became consistent.
    startsAt: timeline.backups.find((backup) => backup.endSegment === span.from)?.endTime ?? null,
  }));
  const gaps = timeline.gaps.map((gap) => ({ ...block(gap.from, gap.to, options.minGapWidth), gap }));
  const ticks = timeline.backups.map((backup): Tick => ({
    backup,
    x: left(backup.beginSegment),
    endX: backup.endSegment === null ? left(backup.beginSegment) : left(backup.endSegment + 1),
    drawn: false,
    labelled: false,
  }));
  // Newest first (rightmost): a tick is drawn, and a drawn one labelled, when it keeps its distance from those already kept.
  const newestFirst = [...ticks].sort((a, b) => b.x - a.x);
  keepApart(newestFirst, options.minTickDistance, (tick) => (tick.drawn = true));
  keepApart(newestFirst.filter((tick) => tick.drawn), options.minLabelDistance, (tick) => (tick.labelled = true));
  return { lo, hi, archived, recoverable, gaps, ticks };
}

/** Marks ticks sorted by descending x whose distance to the last marked one is at least `distance`. */
function keepApart(sortedDescending: Tick[], distance: number, mark: (tick: Tick) => void): void {
  let last: number | null = null;
  for (const tick of sortedDescending) {
    if (last === null || last - tick.x >= distance) {
      mark(tick);
      last = tick.x;
    }
  }
}

function runsBetweenGaps(first: number, last: number, gaps: readonly SegmentSpan[]): SegmentSpan[] {
  const runs: SegmentSpan[] = [];
  let start = first;
  for (const gap of [...gaps].sort((a, b) => a.from - b.from)) {
    if (gap.from > start) runs.push({ from: start, to: gap.from - 1 });
    start = Math.max(start, gap.to + 1);
  }
  if (start <= last) runs.push({ from: start, to: last });
  return runs;
}
