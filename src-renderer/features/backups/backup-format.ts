/**
 * How backup times and sizes read in the table and the coverage bar: local
 * date and time to the second ("2026-11-24 03:00:01"), a short form for
 * labels ("11-24 03:00"), and own/total sizes.
 */
import { formatBytes } from '../jobs/job-format';

const pad = (value: number): string => String(value).padStart(2, '0');

/** Local 'YYYY-MM-DD HH:MM:SS'; '—' for no time; the raw text when it does not parse. */
export function formatTimestamp(at: string | null): string {
  if (at === null) return '—';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Local 'MM-DD HH:MM', for labels where room is short. */
export function formatShortTimestamp(at: string | null): string {
  if (at === null) return '—';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  return `${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatOptionalBytes(bytes: number | null): string {
  return bytes === null ? '—' : formatBytes(bytes);
}
