/**
 * Names of the files in a WAL archive: 24-hex segment names (timeline, log,
 * segment), timeline history files, backup history files, and the compression
 * suffix the archive may add. Pure functions, no I/O.
 */

export type WalFileName =
  | { kind: 'segment'; name: string; timeline: number; log: number; segment: number; partial: boolean }
  | { kind: 'history'; name: string; timeline: number }
  | { kind: 'backup-label'; name: string; timeline: number };

const segmentPattern = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.partial)?$/;
const historyPattern = /^([0-9A-F]{8})\.history$/;
const backupLabelPattern = /^([0-9A-F]{8})[0-9A-F]{16}\.[0-9A-F]{8}\.backup$/;

/** Strips a compression suffix the archive added: '000000010000000000000001.gz' -> name + 'gz'. */
export function splitCompressionSuffix(fileName: string): { name: string; compression: 'gzip' | 'zstd' | null } {
  if (fileName.endsWith('.gz')) return { name: fileName.slice(0, -3), compression: 'gzip' };
  if (fileName.endsWith('.zst')) return { name: fileName.slice(0, -4), compression: 'zstd' };
  return { name: fileName, compression: null };
}

export function parseWalFileName(name: string): WalFileName | null {
  const segment = segmentPattern.exec(name);
  if (segment) {
    return {
      kind: 'segment',
      name,
      timeline: parseInt(segment[1]!, 16),
      log: parseInt(segment[2]!, 16),
      segment: parseInt(segment[3]!, 16),
      partial: segment[4] !== undefined,
    };
  }
  const history = historyPattern.exec(name);
  if (history) return { kind: 'history', name, timeline: parseInt(history[1]!, 16) };
  const label = backupLabelPattern.exec(name);
  if (label) return { kind: 'backup-label', name, timeline: parseInt(label[1]!, 16) };
  return null;
}

/** The archive folder a segment lives in: its first 16 hex digits (timeline + log). */
export function walArchiveFolder(segmentName: string): string {
  return segmentName.slice(0, 16);
}
