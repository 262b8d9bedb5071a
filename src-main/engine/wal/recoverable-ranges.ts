/**
 * Which stretches of one timeline's WAL a point-in-time restore can reach,
 * in segment numbers: the archived runs between gaps, and in each run the part
 * from the first usable backup's end (or the timeline's branch point) to the
 * run's last segment. Pure: the catalog's numbers come in, spans go out.
 */

/** Segment numbers within one timeline, both ends included. */
export interface SegmentSpan {
  from: number;
  to: number;
}

export interface BackupSegments {
  /** the segment holding the backup's begin LSN: recovery replays WAL from here */
  begin: number;
  /** the segment holding its end LSN: the first point it is consistent at */
  end: number;
}

/** The archived runs of a timeline: first..last without the gaps (gaps sorted, inside first..last). */
export function archivedRuns(first: number, last: number, gaps: readonly SegmentSpan[]): SegmentSpan[] {
  const runs: SegmentSpan[] = [];
  let start = first;
  for (const gap of [...gaps].sort((a, b) => a.from - b.from)) {
    if (gap.from > start) runs.push({ from: start, to: gap.from - 1 });
    start = Math.max(start, gap.to + 1);
  }
  if (start <= last) runs.push({ from: start, to: last });
  return runs;
}

/**
 * The recoverable spans. A backup opens a span from its end to the end of its
 * run when its begin and end lie in the same run (every segment it replays is
 * archived). `branchSegment` is where this timeline left a parent that is
 * recoverable up to there: the run holding it is recoverable from it on.
 * A run that nothing opens stays archived but unreachable.
 */
export function findRecoverableSpans(runs: readonly SegmentSpan[], backups: readonly BackupSegments[], branchSegment: number | null): SegmentSpan[] {
  const spans: SegmentSpan[] = [];
  for (const run of runs) {
    const starts = backups
      .filter((backup) => backup.begin >= run.from && backup.end >= backup.begin && backup.end <= run.to)
      .map((backup) => backup.end);
    if (branchSegment !== null && branchSegment >= run.from && branchSegment <= run.to) starts.push(branchSegment);
    if (starts.length > 0) spans.push({ from: Math.min(...starts), to: run.to });
  }
  return spans;
}

/**
 * Whether a child timeline that branched at `switchSegment` inherits a
 * recoverable start: the parent must replay up to the segment before the
 * switch (the switch segment itself is read from the child's copy).
 */
export function reachesBranchPoint(parentSpans: readonly SegmentSpan[], switchSegment: number): boolean {
  return parentSpans.some((span) => span.from <= switchSegment && span.to >= switchSegment - 1);
}
