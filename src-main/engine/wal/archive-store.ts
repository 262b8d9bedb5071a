/**
 * The WAL archive of one server: stores a WAL file (segment, history or backup
 * label) durably and exactly once, whichever way it arrived (streaming or
 * archive_command), finds and reads archived files back, and indexes them
 * (with the restore points a new segment holds).
 * Same name + same bytes is a harmless duplicate; same name + other bytes is a
 * conflict that is kept in errors/ and refused loudly, never overwritten.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import { timelineRow, walSegmentRow } from '../catalog/rebuild';
import { fsyncFolder, writeFileAtomic } from '../store/atomic-file';
import { compressionSuffix, compressWal, decompressWal, type WalCompression } from './compression';
import { indexSegmentRestorePoints } from './restore-points';
import { archiveFolderFor, findArchivedWal } from './archive-location';
import { parseWalFileName } from './segment-name';

export { archiveFolderFor, findArchivedWal, type ArchivedWalFile } from './archive-location';

export interface WalArchiveTarget {
  server: string;
  walsDirectory: string;
  errorsDirectory: string;
  compression: WalCompression;
}

/** The archive of a server, from the part of its configuration that places and compresses it. */
export function walArchiveTargetOf(server: { name: string; walsDirectory: string; errorsDirectory: string; compression: WalCompression }): WalArchiveTarget {
  return { server: server.name, walsDirectory: server.walsDirectory, errorsDirectory: server.errorsDirectory, compression: server.compression };
}

export type ArchiveOutcome = { outcome: 'stored' | 'duplicate'; file: string };

/** The decompressed bytes of an archived WAL file, or null when it is not archived. */
export function readArchivedWal(walsDirectory: string, name: string): Buffer | null {
  const found = findArchivedWal(walsDirectory, name);
  return found ? decompressWal(readFileSync(found.file), found.compression) : null;
}

/**
 * Stores `data` as WAL file `name`: compressed as configured (history and
 * label files stay plain), written to a temporary file, fsynced, renamed, and
 * the folder fsynced, then indexed. Returns 'duplicate' when the same bytes are
 * already archived; throws 'wal-conflict' (after keeping the bytes in errors/)
 * when different bytes are.
 */
export function archiveWalBytes(target: WalArchiveTarget, name: string, data: Buffer, catalog: Catalog | null): ArchiveOutcome {
  const existing = findArchivedWal(target.walsDirectory, name);
  if (existing) {
    const archived = decompressWal(readFileSync(existing.file), existing.compression);
    if (archived.equals(data)) return { outcome: 'duplicate', file: existing.file };
    const kept = keepInErrors(target.errorsDirectory, name, data);
    throw new EngineError('wal-conflict',
      `wal file '${name}' is already archived for server '${target.server}' with different content; the new copy was kept in '${kept}'`,
      'two clusters may be archiving into one server, or the cluster was re-created: check the system identifier and the archive_command');
  }
  const parsed = parseWalFileName(name);
  const compression: WalCompression = parsed?.kind === 'segment' ? target.compression : 'none';
  const folder = archiveFolderFor(target.walsDirectory, name);
  ensureFolder(folder);
  const file = path.join(folder, `${name}${compressionSuffix(compression)}`);
  writeFileAtomic(file, compressWal(data, compression));
  if (catalog) indexArchivedWal(catalog, target.server, file, data);
  return { outcome: 'stored', file };
}

/**
 * Indexes an archived file: a segment's row and the restore points in its bytes (`data`, the uncompressed
 * bytes when at hand; else read back from a file stored uncompressed), or a history file's timeline.
 */
export function indexArchivedWal(catalog: Catalog, server: string, file: string, data: Buffer | null = null): void {
  const segment = walSegmentRow(server, file);
  if (segment) {
    catalog.upsertWalSegments([segment]);
    const bytes = data ?? (segment.compression === null ? readBackQuietly(file) : null);
    // A segment that cannot be scanned just holds no restore point: never a reason to fail archiving.
    if (bytes) indexSegmentRestorePoints(catalog, server, path.dirname(path.dirname(file)), segment.name, bytes);
  }
  const timeline = timelineRow(server, file);
  if (timeline) catalog.upsertTimeline(timeline);
}

function readBackQuietly(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Keeps refused bytes for a person to look at; never overwrites an earlier one. */
export function keepInErrors(errorsDirectory: string, name: string, data: Buffer): string {
  ensureFolder(errorsDirectory);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let file = path.join(errorsDirectory, `${name}.${stamp}.conflict`);
  for (let attempt = 1; existsSync(file); attempt += 1) file = path.join(errorsDirectory, `${name}.${stamp}-${attempt}.conflict`);
  writeFileAtomic(file, data);
  return file;
}

function ensureFolder(folder: string): void {
  if (existsSync(folder)) return;
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // A new folder's entry must be durable too, or a crash could lose every file renamed into it.
  fsyncFolder(path.dirname(folder));
}
