/**
 * The recoverable window in time, for the composer's timeline: from the WAL
 * coverage (which knows segments, and the times of backups and of the last
 * arrival), where on a time axis each backup sits and which stretches a
 * point-in-time restore can stop in. A stretch that ends before a gap has no
 * known end time: it is drawn up to where the next one starts and marked
 * uncertain. Pure: the SVG and the slider keys read it.
 */
import type { WalCoverageView } from '../../../shared/domain/wal-coverage';

export interface WindowStretch {
  timeline: number;
  from: number;
  to: number;
  /** false when the stretch ends before a gap, at a time the coverage does not know */
  endKnown: boolean;
}

export interface WindowBackup {
  backupId: string;
  timeline: number;
  begin: number;
  end: number | null;
}

export interface TimeWindow {
  /** the axis' two ends, ms */
  start: number;
  end: number;
  stretches: WindowStretch[];
  backups: WindowBackup[];
  /** the first and last whole second a restore can reach; null when nothing is recoverable */
  earliest: number | null;
  latest: number | null;
}

/**
 * Null when there is no backup and no archived WAL to draw. `alsoShow`: other
 * instants the axis must reach (the restore points' times), ms.
 */
export function layoutTimeWindow(coverage: WalCoverageView, alsoShow: readonly number[] = []): TimeWindow | null {
  const backups: WindowBackup[] = coverage.timelines.flatMap((timeline) => timeline.backups.map((backup) => ({
    backupId: backup.backupId, timeline: timeline.timeline, begin: Date.parse(backup.beginTime), end: backup.endTime === null ? null : Date.parse(backup.endTime),
  }))).filter((backup) => !Number.isNaN(backup.begin)).sort((a, b) => a.begin - b.begin);
  const stretches = coverage.timelines.flatMap((timeline): WindowStretch[] => {
    const lastArrival = timeline.archive?.lastArrivalAt == null ? null : Date.parse(timeline.archive.lastArrivalAt);
    const starts = timeline.recoverable.map((span) => {
      const opener = timeline.backups.find((backup) => backup.endSegment === span.from && backup.endTime !== null);
      return opener === undefined ? null : Date.parse(opener.endTime!);
    });
    return timeline.recoverable.flatMap((span, index): WindowStretch[] => {
      const from = starts[index];
      if (from === null || from === undefined) return [];
      const reachesEnd = span.to === timeline.archive?.last;
      const next = starts.slice(index + 1).find((start): start is number => start !== null) ?? null;
      const to = reachesEnd ? lastArrival : next;
      if (to === null || to < from) return [];
      return [{ timeline: timeline.timeline, from, to, endKnown: reachesEnd }];
    });
  }).sort((a, b) => a.from - b.from);
  const arrivals = coverage.timelines.map((timeline) => timeline.archive?.lastArrivalAt).filter((at): at is string => at != null).map(Date.parse);
  const points = [...backups.flatMap((backup) => (backup.end === null ? [backup.begin] : [backup.begin, backup.end])), ...arrivals];
  if (points.length === 0) return null;
  points.push(...alsoShow.filter((at) => !Number.isNaN(at)));
  const low = Math.min(...points);
  const high = Math.max(...points);
  // A little room at both ends, so the first backup and the last arrival are not drawn on the frame.
  const pad = Math.max((high - low) * 0.04, 30_000);
  return {
    start: low - pad,
    end: high + pad,
    stretches,
    backups,
    // In whole seconds, as the date-time field holds them: the first one a restore reaches, the last one archived.
    earliest: stretches.length === 0 ? null : Math.ceil(Math.min(...stretches.map((stretch) => stretch.from)) / 1000) * 1000,
    latest: stretches.length === 0 ? null : Math.floor(Math.max(...stretches.map((stretch) => stretch.to)) / 1000) * 1000,
  };
}

/** Percent of the axis' width at instant `at` (may fall outside 0–100). */
export function xOfTime(window: TimeWindow, at: number): number {
  return ((at - window.start) / (window.end - window.start)) * 100;
}

/** The instant at `percent` of the axis' width, to the second. */
export function timeAtX(window: TimeWindow, percent: number): number {
  const at = window.start + (Math.min(100, Math.max(0, percent)) / 100) * (window.end - window.start);
  return Math.round(at / 1000) * 1000;
}

/** Whether a restore can stop at `at`: inside a stretch (an uncertain one counts: the plan has the last word). */
export function placeInWindow(window: TimeWindow, at: number): 'before' | 'inside' | 'between' | 'after' {
  if (window.earliest === null || at < window.earliest) return 'before';
  if (window.latest !== null && at > window.latest) return 'after';
  return window.stretches.some((stretch) => at >= stretch.from && at <= stretch.to) ? 'inside' : 'between';
}

/** Where a slider key moves the time: ±10 s (±1 s with Shift), ±a tenth of the window with Page keys, the ends with Home/End. */
export function stepTime(window: TimeWindow, at: number, key: string, shift: boolean): number | null {
  const first = window.earliest ?? window.start;
  const last = window.latest ?? window.end;
  const small = shift ? 1000 : 10_000;
  const large = Math.max(60_000, Math.round((last - first) / 10 / 1000) * 1000);
  const clamp = (value: number): number => Math.min(last, Math.max(first, value));
  switch (key) {
    case 'ArrowLeft': case 'ArrowDown': return clamp(at - small);
    case 'ArrowRight': case 'ArrowUp': return clamp(at + small);
    case 'PageDown': return clamp(at - large);
    case 'PageUp': return clamp(at + large);
    case 'Home': return first;
    case 'End': return last;
    default: return null;
  }
}

/** Axis labels at round instants, about `count` of them, inside the axis; `step` (ms) says how fine their labels must be. */
export function axisTicks(window: TimeWindow, count = 5): { step: number; ticks: number[] } {
  const span = window.end - window.start;
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400, 7 * 86_400].map((seconds) => seconds * 1000);
  const step = steps.find((candidate) => span / candidate <= count) ?? steps.at(-1)!;
  const ticks: number[] = [];
  for (let at = Math.ceil(window.start / step) * step; at <= window.end; at += step) ticks.push(at);
  return { step, ticks };
}
