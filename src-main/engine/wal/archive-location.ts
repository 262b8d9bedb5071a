/**
 * Where a WAL file lives in a server's archive, and which compressed form of
 * it is there. Reads only: archive-store.ts writes the archive, and the
 * restore point scan (which archive-store.ts calls) looks files up here too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import type { WalCompression } from './compression';
import { parseWalFileName, walArchiveFolder } from './segment-name';

export interface ArchivedWalFile {
  file: string;
  compression: WalCompression;
}

export const archiveSuffixes: readonly [string, WalCompression][] = [['', 'none'], ['.gz', 'gzip'], ['.zst', 'zstd']];

/** Where a WAL file lives in the archive: segments and labels in their timeline+log folder, history files at the top. */
export function archiveFolderFor(walsDirectory: string, name: string): string {
  const parsed = parseWalFileName(name);
  if (parsed === null || (parsed.kind === 'segment' && parsed.partial)) {
    throw new EngineError('wal-invalid', `'${name}' is not a WAL file name Barkeep archives`, 'WAL segments (24 hex digits), NNNNNNNN.history and .backup files are archived');
  }
  return parsed.kind === 'history' ? walsDirectory : path.join(walsDirectory, walArchiveFolder(name));
}

/** The archived copy of a WAL file in whatever compression it was stored, or null. */
export function findArchivedWal(walsDirectory: string, name: string): ArchivedWalFile | null {
  const folder = archiveFolderFor(walsDirectory, name);
  for (const [suffix, compression] of archiveSuffixes) {
    const file = path.join(folder, `${name}${suffix}`);
    if (existsSync(file)) return { file, compression };
  }
  return null;
}
