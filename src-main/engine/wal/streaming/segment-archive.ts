/**
 * Hands segments the streaming archiver completed to the WAL archive: checks
 * the header, stores them once through archive-store.ts (compressed, fsynced,
 * indexed; uncompressed ones are hard-linked), then removes the streaming copy. Also archives complete leftovers
 * found at start, and sets aside .partial files that will not be resumed.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import type { Catalog } from '../../catalog/catalog';
import { fsyncFolder } from '../../store/atomic-file';
import {
  archiveFolderFor, archiveWalBytes, findArchivedWal, indexArchivedWal, type ArchiveOutcome, type WalArchiveTarget,
} from '../archive-store';
import { validateWalSegment, walLongHeaderBytes } from '../segment-header';
import { listCompleteSegments } from './local-state';

export interface SegmentArchiver {
  target: WalArchiveTarget;
  catalog: Catalog | null;
  /** the streamed server's system identifier: a segment of another system is refused */
  systemId: string | null;
}

export interface StreamedSegment {
  name: string;
  /** the complete, fsynced file in the streaming folder */
  file: string;
  size: number;
  /** its first page header */
  header: Buffer;
  /** its bytes, when at hand (read from `file` when needed and not given) */
  data: Buffer | null;
}

/** Archives a complete segment from the streaming folder, then removes the streaming copy. */
export function archiveStreamedSegment(archiver: SegmentArchiver, segment: StreamedSegment): ArchiveOutcome {
  const { name, file } = segment;
  validateWalSegment(name, segment.header, segment.size, archiver.systemId);
  const outcome = linkIntoArchive(archiver, name, file, segment.data)
    ?? archiveWalBytes(archiver.target, name, segment.data ?? readFileSync(file), archiver.catalog);
  // Once archived, the streaming copy is redundant; if a crash keeps it, the next start finds a duplicate.
  rmSync(file, { force: true });
  return outcome;
}

/**
 * Uncompressed, the fsynced streaming file already is the archived file: a
 * hard link puts it in wals/ without writing and fsyncing 16 MiB again, and
 * link(2) never replaces an existing name. Returns null when archive-store.ts
 * must decide instead (compression, a copy already archived, another volume).
 */
function linkIntoArchive(archiver: SegmentArchiver, name: string, file: string, data: Buffer | null): ArchiveOutcome | null {
  const { target } = archiver;
  if (target.compression !== 'none' || findArchivedWal(target.walsDirectory, name) !== null) return null;
  const folder = archiveFolderFor(target.walsDirectory, name);
  if (!existsSync(folder)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    fsyncFolder(path.dirname(folder));
  }
  const archived = path.join(folder, name);
  try {
    linkSync(file, archived);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP') return null;
    throw error;
  }
  fsyncFolder(folder);
  // The bytes in hand spare reading 16 MiB back to find the segment's restore points.
  if (archiver.catalog) indexArchivedWal(archiver.catalog, target.server, archived, data);
  return { outcome: 'stored', file: archived };
}

/**
 * Archives the complete segments a crash left in the streaming folder (idempotent:
 * one already archived is a duplicate). A file that is not a valid segment is
 * moved to errors/; the archiver streams that segment again.
 */
export function archiveLeftoverSegments(archiver: SegmentArchiver, streamingDirectory: string, segmentSize: number, log: (message: string, level?: 'info' | 'warn') => void): number {
  let archived = 0;
  for (const segment of listCompleteSegments(streamingDirectory, segmentSize)) {
    const file = path.join(streamingDirectory, segment.name);
    const data = readFileSync(file);
    try {
      const outcome = archiveStreamedSegment(archiver, { name: segment.name, file, size: data.length, header: data.subarray(0, walLongHeaderBytes), data });
      log(`archived ${segment.name} left in the streaming folder${outcome.outcome === 'duplicate' ? ' (already archived)' : ''}`);
      archived += 1;
    } catch (error) {
      if (!(error instanceof EngineError) || error.code !== 'wal-invalid') throw error;
      const kept = setFileAside(file, archiver.target.errorsDirectory, segment.name);
      log(`${error.message}; moved to '${kept}', the segment will be streamed again`, 'warn');
    }
  }
  return archived;
}

/**
 * Moves a streaming file into errors/ under `keptName` (made unique), fsyncing
 * both folders. Used for the last .partial of an ended timeline, as
 * pg_receivewal keeps it, and for files the archiver will not use.
 */
export function setFileAside(file: string, errorsDirectory: string, keptName: string): string {
  if (!existsSync(errorsDirectory)) {
    mkdirSync(errorsDirectory, { recursive: true, mode: 0o700 });
    fsyncFolder(path.dirname(errorsDirectory));
  }
  let target = path.join(errorsDirectory, keptName);
  for (let attempt = 1; existsSync(target); attempt += 1) target = path.join(errorsDirectory, `${keptName}.${attempt}`);
  renameSync(file, target);
  fsyncFolder(errorsDirectory);
  fsyncFolder(path.dirname(file));
  return target;
}
