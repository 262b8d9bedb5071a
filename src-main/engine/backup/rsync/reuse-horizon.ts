/**
 * The safe horizon of file reuse: when the previous backup started, on the
 * PostgreSQL server's clock (the clock of the mtimes we compare), read from
 * the START TIME line of the previous backup's backup_label. A file modified
 * at or after it may have been copied half-written and is sent again.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Resolves a time zone abbreviation (e.g. 'CEST') to its offset east of UTC in seconds; null when unknown. */
export type ZoneResolver = (abbreviation: string) => Promise<number | null>;

// The furthest zone east of UTC: reading an unknown zone as this one errs toward sending more.
const maxOffsetSeconds = 14 * 3600;

/** Reads the horizon from a backup_label in `dataFolder`; null when there is none to read. */
export async function readReuseHorizon(dataFolder: string, resolveZone: ZoneResolver): Promise<Date | null> {
  let label: string;
  try {
    label = await readFile(path.join(dataFolder, 'backup_label'), 'utf8');
  } catch {
    return null;
  }
  const start = parseStartTime(label);
  if (!start) return null;
  const offset = parseNumericZone(start.zone) ?? (await resolveZone(start.zone).catch(() => null)) ?? maxOffsetSeconds;
  return new Date(start.utcIfZoneless.getTime() - offset * 1000);
}

/** 'START TIME: 2024-05-01 10:00:00 CEST' → the wall-clock time read as UTC, and the zone text. */
export function parseStartTime(label: string): { utcIfZoneless: Date; zone: string } | null {
  const match = /^START TIME: (\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: (\S+))?\s*$/m.exec(label);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  return { utcIfZoneless: new Date(Date.UTC(year, month - 1, day, hour, minute, second)), zone: match[7] ?? '' };
}

/** 'UTC', 'GMT', '+03', '-0430', '+05:30' → seconds east of UTC; null for a named zone. */
export function parseNumericZone(zone: string): number | null {
  if (zone === 'UTC' || zone === 'GMT' || zone === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return null;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60;
  return match[1] === '-' ? -seconds : seconds;
}
