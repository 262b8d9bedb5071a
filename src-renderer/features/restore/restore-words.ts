/**
 * How the composer words its numbers: the plan's time estimate at its own
 * precision ("40 s", "12 min", "2 h 05 min"), as the command line prints it.
 */

export function describeEstimate(seconds: number): string {
  if (seconds < 120) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `about ${minutes} min` : `about ${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
