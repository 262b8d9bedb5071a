/**
 * PostgreSQL's backup_manifest (version 1), byte for byte as the server writes
 * it (backup_manifest.c): one line per file with size, mtime in GMT and a
 * SHA256 checksum, the WAL ranges, and Manifest-Checksum over every line before
 * its own, so pg_verifybackup accepts our backups. Text only; no file I/O but reading one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EngineError } from '../../../shared/errors';
import type { BackupFileEntry } from './backup-method';

export interface ManifestWalRange {
  timeline: number;
  startLsn: string;
  endLsn: string;
}

export interface ManifestFile {
  path: string;
  size: number;
  mtime: Date;
  /** 'SHA256', 'CRC32C', … or null when the manifest was written without checksums */
  checksumAlgorithm: string | null;
  /** lower-case hex */
  checksum: string | null;
}

export interface BackupManifest {
  version: number;
  files: ManifestFile[];
  walRanges: ManifestWalRange[];
  /** the Manifest-Checksum field as written */
  checksum: string;
  /** whether Manifest-Checksum matches the text before it */
  checksumValid: boolean;
}

export interface RenderedManifest {
  text: string;
  checksum: string;
}

/** Renders the manifest of `files` (in the order given, as the server lists them in archive order) and `walRanges`. */
export function renderManifest(files: readonly BackupFileEntry[], walRanges: readonly ManifestWalRange[]): RenderedManifest {
  const lines = files.map((file) => `{ "Path": ${JSON.stringify(file.path)}, "Size": ${file.size}, `
    + `"Last-Modified": "${formatManifestTime(file.mtime)}", "Checksum-Algorithm": "SHA256", "Checksum": "${file.sha256}" }`);
  const ranges = walRanges.map((range) => `{ "Timeline": ${range.timeline}, "Start-LSN": "${normaliseLsn(range.startLsn)}", `
    + `"End-LSN": "${normaliseLsn(range.endLsn)}" }`);
  // The server writes "\n" before the first entry and ",\n" between entries; an empty list is "[\n]".
  const body = '{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": ['
    + (lines.length > 0 ? `\n${lines.join(',\n')}` : '')
    + '\n],\n"WAL-Ranges": [\n'
    + ranges.join(',\n')
    + '\n],\n';
  const checksum = createHash('sha256').update(body).digest('hex');
  return { text: `${body}"Manifest-Checksum": "${checksum}"}\n`, checksum };
}

/** 'YYYY-MM-DD HH:MM:SS GMT', as pg_strftime("%Y-%m-%d %H:%M:%S %Z", pg_gmtime()) prints it. */
export function formatManifestTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

/** Parses a manifest and checks its Manifest-Checksum; throws 'verify-failed' when it is not a manifest at all. */
export function parseManifest(text: string, source: string): BackupManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new EngineError('verify-failed', `backup manifest '${source}' is not valid JSON: ${(error as Error).message}`,
      'the backup is damaged: take a new one');
  }
  const version = json['PostgreSQL-Backup-Manifest-Version'];
  if (version !== 1 && version !== 2) {
    throw new EngineError('verify-failed', `backup manifest '${source}' has unknown version ${String(version)}`, 'take a new backup');
  }
  const files = asArray(json.Files, 'Files', source).map((entry) => parseFileEntry(entry, source));
  const walRanges = asArray(json['WAL-Ranges'], 'WAL-Ranges', source).map((entry) => {
    const range = entry as Record<string, unknown>;
    return { timeline: Number(range.Timeline), startLsn: String(range['Start-LSN']), endLsn: String(range['End-LSN']) };
  });
  const checksum = typeof json['Manifest-Checksum'] === 'string' ? json['Manifest-Checksum'] : '';
  return { version, files, walRanges, checksum, checksumValid: checksum !== '' && computeManifestChecksum(text) === checksum.toLowerCase() };
}

export function readManifestFile(file: string): BackupManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EngineError('verify-failed', `unable to read backup manifest '${file}': ${(error as Error).message}`,
      'the backup folder is incomplete: delete it and take a new backup');
  }
  return parseManifest(text, file);
}

/** The manifest's files in the form the backup methods compare against (PreviousBackup.files). */
export function manifestFilesByPath(manifest: BackupManifest): Map<string, BackupFileEntry> {
  const files = new Map<string, BackupFileEntry>();
  for (const file of manifest.files) {
    if (file.checksumAlgorithm !== 'SHA256' || file.checksum === null) continue;
    files.set(file.path, { path: file.path, size: file.size, mtime: file.mtime, sha256: file.checksum, reused: false });
  }
  return files;
}

/** SHA-256 of the text up to and including its penultimate newline (pg_verifybackup's rule). */
export function computeManifestChecksum(text: string): string {
  const buffer = Buffer.from(text, 'utf8');
  let newlines = 0;
  let end = buffer.length - 1;
  for (; end >= 0; end -= 1) {
    if (buffer[end] === 0x0a && ++newlines === 2) break;
  }
  return createHash('sha256').update(buffer.subarray(0, end + 1)).digest('hex');
}

function parseFileEntry(entry: unknown, source: string): ManifestFile {
  const file = entry as Record<string, unknown>;
  const encoded = file['Encoded-Path'];
  const path = typeof file.Path === 'string' ? file.Path
    : typeof encoded === 'string' ? Buffer.from(encoded, 'hex').toString('utf8') : null;
  if (path === null || typeof file.Size !== 'number') {
    throw new EngineError('verify-failed', `backup manifest '${source}' has a file entry without a path or size`, 'take a new backup');
  }
  const modified = typeof file['Last-Modified'] === 'string' ? parseManifestTime(file['Last-Modified']) : new Date(0);
  return {
    path,
    size: file.Size,
    mtime: modified,
    checksumAlgorithm: typeof file['Checksum-Algorithm'] === 'string' ? file['Checksum-Algorithm'] : null,
    checksum: typeof file.Checksum === 'string' ? file.Checksum.toLowerCase() : null,
  };
}

function parseManifestTime(text: string): Date {
  const date = new Date(`${text.replace(' GMT', '').replace(' ', 'T')}Z`);
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

function asArray(value: unknown, field: string, source: string): unknown[] {
  if (!Array.isArray(value)) throw new EngineError('verify-failed', `backup manifest '${source}' has no ${field} list`, 'take a new backup');
  return value;
}

/** '0/02000028' → '0/2000028': the %X/%X form, no padding, upper case. */
function normaliseLsn(lsn: string): string {
  const [high = '0', low = '0'] = lsn.split('/');
  return `${Number.parseInt(high, 16).toString(16).toUpperCase()}/${Number.parseInt(low, 16).toString(16).toUpperCase()}`;
}
