/**
 * How long ago something happened, in the words a DBA scans a table for:
 * "just now", "12 min ago", "5 h ago", "3 days ago", or "never".
 */

export function formatAge(at: string | null, now: number): string {
  if (at === null) return 'never';
  const then = Date.parse(at);
  if (Number.isNaN(then)) return 'unknown';
  const minutes = Math.floor(Math.max(0, now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return `${days} days ago`;
}
