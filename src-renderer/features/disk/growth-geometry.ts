/**
 * The growth chart's geometry, pure: a volume's daily history (its used bytes
 * and what Barkeep's stores on it held), today's figures, and the forecast line
 * from today to "full" when it grows. The y axis is always the whole volume, so
 * the line meets the top edge on the day it fills; the x axis runs from the
 * first sample to that day when it is at most maxForecastDays ahead, else as
 * far ahead as the history reaches back (a week at least), so the history keeps
 * its room. Level labels sit in a gutter right of the plot, never overprinting.
 */
import type { DiskThresholds, DiskUsageSample, VolumeForecast } from '../../../shared/domain/disk';

const dayMs = 86_400_000;
/** past this, the forecast line stops at the right edge and says when it would fill */
export const maxForecastDays = 90;

export const chartSize = { width: 760, height: 260, left: 64, right: 620, top: 18, bottom: 226 } as const;
/** the smallest vertical distance between two level labels in the gutter */
const labelGap = 13;

export interface HistoryPoint {
  /** the day's latest measurement, ms */
  at: number;
  /** the backups and WAL of the servers on the volume that day */
  storeBytes: number;
  /** the volume's used bytes that day; null when no sample measured this volume's space */
  usedBytes: number | null;
}

/** One point per UTC day before today's (today's figures come from the report, read now). */
export function volumeHistory(samples: readonly DiskUsageSample[], volumeId: string, now: number): HistoryPoint[] {
  const today = new Date(now).toISOString().slice(0, 10);
  const days = new Map<string, { at: number; storeBytes: number; used: { at: number; bytes: number } | null }>();
  for (const sample of samples) {
    const onBackups = sample.volumeId === volumeId;
    const onWal = sample.walVolumeId === volumeId;
    if ((!onBackups && !onWal) || sample.day >= today) continue;
    const at = Date.parse(sample.measuredAt);
    const day = days.get(sample.day) ?? { at, storeBytes: 0, used: null };
    day.at = Math.max(day.at, at);
    day.storeBytes += (onBackups ? sample.backupsBytes : 0) + (onWal ? sample.walBytes : 0);
    // The volume figures of a sample are its backup volume's.
    if (onBackups && sample.volumeTotal !== null && sample.volumeFree !== null && (day.used === null || at > day.used.at)) {
      day.used = { at, bytes: Math.max(0, sample.volumeTotal - sample.volumeFree) };
    }
    days.set(sample.day, day);
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, day]) => ({ at: day.at, storeBytes: day.storeBytes, usedBytes: day.used?.bytes ?? null }));
}

export interface ChartInput {
  now: number;
  totalBytes: number;
  usedBytes: number;
  storeBytes: number;
  forecast: VolumeForecast;
  thresholds: DiskThresholds;
  history: readonly HistoryPoint[];
}

export interface ChartPoint {
  x: number;
  y: number;
  at: number;
  bytes: number;
}

export interface ChartLayout {
  xStart: number;
  xEnd: number;
  /** the volume's used bytes, history then today */
  used: ChartPoint[];
  /** Barkeep's stores on the volume, history then today */
  store: ChartPoint[];
  /** closed path under the store line */
  storeArea: string;
  /** today's point */
  today: ChartPoint;
  forecast: { from: ChartPoint; to: ChartPoint; reachesFull: boolean } | null;
  /** the level lines, and where their labels go in the gutter (spread apart when levels are close) */
  levels: Array<{ kind: 'full' | 'critical' | 'warning'; y: number; labelY: number; bytes: number }>;
}

export function layoutGrowthChart(input: ChartInput): ChartLayout {
  const { now, totalBytes, forecast } = input;
  const xStart = input.history.length > 0 ? Math.min(input.history[0]!.at, now - dayMs) : now - 7 * dayMs;
  // Room right of today: at least 15% of the history's span, and the forecast up to full, or as far as the history goes back.
  const historyDays = (now - xStart) / dayMs;
  const reachesFull = forecast.state === 'growing' && forecast.fullInDays <= maxForecastDays;
  const forecastDays = forecast.state !== 'growing' ? 0 : reachesFull ? forecast.fullInDays : Math.min(maxForecastDays, Math.max(historyDays, 7));
  const xEnd = now + Math.max(historyDays * 0.15, forecastDays) * dayMs;

  const x = (at: number): number => chartSize.left + ((at - xStart) / (xEnd - xStart)) * (chartSize.right - chartSize.left);
  const y = (bytes: number): number => {
    const share = totalBytes > 0 ? Math.min(1, Math.max(0, bytes / totalBytes)) : 0;
    return chartSize.top + (1 - share) * (chartSize.bottom - chartSize.top);
  };
  const point = (at: number, bytes: number): ChartPoint => ({ x: x(at), y: y(bytes), at, bytes });

  const today = point(now, input.usedBytes);
  const used = [...input.history.flatMap((day) => (day.usedBytes === null ? [] : [point(day.at, day.usedBytes)])), today];
  const store = [...input.history.map((day) => point(day.at, day.storeBytes)), point(now, input.storeBytes)];
  const base = y(0);
  const storeArea = `M ${store[0]!.x} ${base} ${store.map((p) => `L ${p.x} ${p.y}`).join(' ')} L ${store.at(-1)!.x} ${base} Z`;

  let line: ChartLayout['forecast'] = null;
  if (forecast.state === 'growing') {
    const endAt = now + forecastDays * dayMs;
    line = { from: today, to: point(endAt, reachesFull ? totalBytes : input.usedBytes + forecast.bytesPerDay * forecastDays), reachesFull };
  }

  const levelBytes = (freePercent: number): number => totalBytes * (1 - freePercent / 100);
  const levels = [
    { kind: 'full' as const, bytes: totalBytes },
    { kind: 'critical' as const, bytes: levelBytes(input.thresholds.criticalFreePercent) },
    { kind: 'warning' as const, bytes: levelBytes(input.thresholds.warningFreePercent) },
  ].map((level) => ({ ...level, y: y(level.bytes) }));
  const labelYs = spreadLabels(levels.map((level) => level.y + 4));
  return {
    xStart,
    xEnd,
    used,
    store,
    storeArea,
    today,
    forecast: line,
    levels: levels.map((level, index) => ({ ...level, labelY: labelYs[index]! })),
  };
}

/** Moves labels down (top to bottom, in order of position) until each is labelGap below the one above; returns them in input order. */
export function spreadLabels(ys: readonly number[]): number[] {
  const order = ys.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value || a.index - b.index);
  const placed: number[] = new Array<number>(ys.length);
  let previous = Number.NEGATIVE_INFINITY;
  for (const { value, index } of order) {
    previous = Math.max(value, previous + labelGap);
    placed[index] = previous;
  }
  return placed;
}
