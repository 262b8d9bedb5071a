/**
 * The restore points of the composer's server as the target step shows them:
 * newest first for the list, and as marks on the recovery timeline (where on
 * the axis, whether it is the one the draft names). Pure: the list and the
 * timeline read it; the engine says which of same-named ones recovery reaches.
 */
import type { RestorePoint } from '../../../shared/domain/restore-point';
import { xOfTime, type TimeWindow } from './time-window';

export interface RestorePointMark {
  /** unique among a server's restore points: where its record ends, on its timeline */
  key: string;
  point: RestorePoint;
  /** its time, ms */
  at: number;
  /** percent of the axis' width */
  x: number;
  /** the draft names it (every restore point of that name: recovery stops at the first one after the backup's start) */
  chosen: boolean;
}

export function restorePointKey(point: RestorePoint): string {
  return `${point.timeline}/${point.endLsn}`;
}

/** The engine lists them newest last; the list shows the newest first. */
export function newestFirst(points: readonly RestorePoint[]): RestorePoint[] {
  return [...points].reverse();
}

/** Their times, ms, for the axis to reach. */
export function restorePointTimes(points: readonly RestorePoint[]): number[] {
  return points.map((point) => Date.parse(point.time)).filter((at) => !Number.isNaN(at));
}

/** The marks of `points` on `window`'s axis, oldest first; `chosenName` (null: no restore point is the target) highlights its namesakes. */
export function markRestorePoints(window: TimeWindow, points: readonly RestorePoint[], chosenName: string | null): RestorePointMark[] {
  return points.flatMap((point): RestorePointMark[] => {
    const at = Date.parse(point.time);
    if (Number.isNaN(at)) return [];
    return [{ key: restorePointKey(point), point, at, x: xOfTime(window, at), chosen: chosenName !== null && point.name === chosenName }];
  });
}
