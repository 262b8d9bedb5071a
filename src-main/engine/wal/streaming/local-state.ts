/**
 * What the streaming archiver finds on disk before it connects: .partial and
 * complete segments left in streaming/, the newest archived segment of each
 * timeline in wals/, and the marker `receive-wal --reset` leaves. Reads and
 * lists only; segment-archive.ts moves files and start-position.ts decides.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { segmentNumberFromName } from '../lsn';
import { parseWalFileName, splitCompressionSuffix } from '../segment-name';
import { isCompleteOnHistory, type LocalSegment } from './start-position';
import type { ServerHistory } from './timeline-history';

const resetMarkerName = 'receive-wal.reset';

/** The .partial segments in the streaming folder. */
export function listPartialSegments(streamingDirectory: string, segmentSize: number): LocalSegment[] {
  return listSegments(streamingDirectory, segmentSize).filter((entry) => entry.partial).map(({ segment }) => segment);
}

/** Complete segments left in the streaming folder (renamed, then a crash before they reached the archive). */
export function listCompleteSegments(streamingDirectory: string, segmentSize: number): LocalSegment[] {
  return listSegments(streamingDirectory, segmentSize).filter((entry) => !entry.partial).map(({ segment }) => segment);
}

/**
 * The newest archived segment of each timeline on the server's history that
 * lies wholly on it, reading only the newest folders of each timeline.
 */
export function findNewestArchivedSegments(walsDirectory: string, segmentSize: number, history: ServerHistory): LocalSegment[] {
  if (!existsSync(walsDirectory)) return [];
  const timelines = new Set([history.current, ...history.switches.map((entry) => entry.timeline)]);
  const folders = readdirSync(walsDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^[0-9A-F]{16}$/.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .reverse();
  const newest: LocalSegment[] = [];
  for (const timeline of timelines) {
    for (const folder of folders.filter((name) => parseInt(name.slice(0, 8), 16) === timeline)) {
      const found = readdirSync(path.join(walsDirectory, folder))
        .map((file) => toLocalSegment(splitCompressionSuffix(file).name, segmentSize))
        .filter((segment): segment is LocalSegment => segment !== null && isCompleteOnHistory(segment, segmentSize, history))
        .sort((a, b) => (a.segmentNumber > b.segmentNumber ? -1 : a.segmentNumber < b.segmentNumber ? 1 : 0))[0];
      if (found) {
        newest.push(found);
        break;
      }
    }
  }
  return newest;
}

/** True after `receive-wal --reset`, until a start consumes it. */
export function hasResetMarker(streamingDirectory: string): boolean {
  return existsSync(path.join(streamingDirectory, resetMarkerName));
}

export function writeResetMarker(streamingDirectory: string): void {
  writeFileSync(path.join(streamingDirectory, resetMarkerName), `${new Date().toISOString()}\n`, { mode: 0o600 });
}

export function removeResetMarker(streamingDirectory: string): void {
  rmSync(path.join(streamingDirectory, resetMarkerName), { force: true });
}

function listSegments(streamingDirectory: string, segmentSize: number): Array<{ segment: LocalSegment; partial: boolean }> {
  if (!existsSync(streamingDirectory)) return [];
  const found: Array<{ segment: LocalSegment; partial: boolean }> = [];
  for (const file of readdirSync(streamingDirectory)) {
    const partial = file.endsWith('.partial');
    const segment = toLocalSegment(partial ? file.slice(0, -'.partial'.length) : file, segmentSize);
    if (segment) found.push({ segment, partial });
  }
  return found;
}

function toLocalSegment(name: string, segmentSize: number): LocalSegment | null {
  const parsed = parseWalFileName(name);
  if (parsed?.kind !== 'segment' || parsed.partial) return null;
  return { name, timeline: parsed.timeline, segmentNumber: segmentNumberFromName(parsed.log, parsed.segment, segmentSize) };
}
