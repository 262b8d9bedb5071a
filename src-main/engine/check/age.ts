/**
 * Time and size arithmetic for check lines: Barman's intervals (1 DAY, 2 WEEKS,
 * 1 MONTH) against "now", and ages and sizes written the way a person reads
 * them ("2 days, 3 hours", "1.5 GiB"). Pure functions.
 */
import type { TimeInterval } from '../config/load';
import { subtractCalendarMonths } from '../retention/recovery-window';

/** The moment `interval` before `now`; months are calendar months, as Barman's relativedelta. */
export function subtractInterval(now: Date, interval: TimeInterval): Date {
  // setUTCMonth would overflow: 2026-03-31 minus a month must be 02-28, not 03-03.
  if (interval.unit === 'months') return subtractCalendarMonths(now, interval.amount);
  return new Date(now.getTime() - interval.amount * unitMs[interval.unit]);
}

export function formatInterval(interval: TimeInterval): string {
  const singular = interval.unit.slice(0, -1);
  return `${interval.amount} ${interval.amount === 1 ? singular : interval.unit}`;
}

/** At most the two largest units: '3 days, 4 hours', '12 minutes', '40 seconds'. */
export function formatAge(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(ms / 1000));
  for (const [unit, seconds] of ageUnits) {
    const amount = Math.floor(rest / seconds);
    if (amount > 0 && parts.length < 2) {
      parts.push(`${amount} ${unit}${amount === 1 ? '' : 's'}`);
      rest -= amount * seconds;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.length === 0 ? '0 seconds' : parts.join(', ');
}

/** IEC units with one decimal place: '0 B', '512 B', '16.0 MiB'. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

const unitMs = { hours: 3_600_000, days: 86_400_000, weeks: 7 * 86_400_000 } as const;

const ageUnits: readonly [string, number][] = [
  ['day', 86_400], ['hour', 3_600], ['minute', 60], ['second', 1],
];
