/**
 * The incoming/ folder of a server, where archive_command deliveries (put-wal)
 * wait: validation of a pushed WAL file, the exclusive durable write into it,
 * and processIncoming, which moves each file into the archive and deletes it
 * only once it is durably archived. Refused files go to errors/, never away.
 */
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import type { Catalog } from '../catalog/catalog';
import type { ServerConfig } from '../config/load';
import { fsyncFolder, writeFileAtomic } from '../store/atomic-file';
import { readStoreIdentity } from '../store/identity-file';
import type { StorePaths } from '../store/layout';
import { archiveWalBytes, walArchiveTargetOf, type WalArchiveTarget } from './archive-store';
import { validateWalSegment, walLongHeaderBytes } from './segment-header';
import { parseWalFileName } from './segment-name';

/** The part of a server's configuration WAL intake needs; ServerConfig satisfies it. */
export type WalIntakeServer = Pick<ServerConfig, 'name' | 'compression' | 'archiverBatchSize'> & StorePaths;

export type IncomingOutcome = 'stored' | 'duplicate' | 'conflict' | 'invalid' | 'unknown';

export interface IncomingFileResult {
  name: string;
  outcome: IncomingOutcome;
  /** where the bytes are now: the archived file, or errors/ for an invalid or unknown one (a conflict's message names its copy) */
  file: string | null;
  message: string | null;
}

export interface IncomingReport {
  server: string;
  files: IncomingFileResult[];
  /** conflicts, invalid and unknown files: each one needs a person */
  refused: number;
}

/** Temporary files of writes in progress start with a dot; one older than this was left by a killed writer. */
const staleTemporaryMs = 3600_000;

/** The system the server's store belongs to (identity.json), or null before Barkeep has learnt it. */
export function readExpectedSystemId(server: WalIntakeServer): string | null {
  return readStoreIdentity(server)?.systemId ?? null;
}

/**
 * Checks a pushed WAL file: a segment must carry the header its name promises
 * (and the store's system identifier when known); history and backup label
 * files are checked by name only. Throws 'wal-invalid'.
 */
export function validateWalFile(name: string, data: Buffer, expectedSystemId: string | null): void {
  const parsed = parseWalFileName(name);
  if (parsed === null || (parsed.kind === 'segment' && parsed.partial)) {
    throw new EngineError('wal-invalid', `'${name}' is not a wal file name Barkeep accepts`,
      'archive_command must pass the file name %f (24 hex digits, NNNNNNNN.history or a .backup label)');
  }
  if (parsed.kind === 'segment') validateWalSegment(name, data.subarray(0, walLongHeaderBytes), data.length, expectedSystemId);
  else if (data.length === 0) throw new EngineError('wal-invalid', `wal file '${name}' is empty`, 'archive_command must send the file %p on stdin');
}

/**
 * Writes `data` as incoming/<name> without ever replacing a file there: a
 * temporary sibling is written and fsynced, then hard-linked to its name (which
 * fails if the name exists) and the folder fsynced. 'different' means another
 * file with that name and other bytes is already waiting.
 */
export function writeIncomingFile(incomingDirectory: string, name: string, data: Buffer): 'stored' | 'duplicate' | 'different' {
  ensureFolder(incomingDirectory);
  const target = path.join(incomingDirectory, name);
  const temporary = path.join(incomingDirectory, `.${name}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o600);
    try {
      for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(temporary, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readFileSync(target).equals(data) ? 'duplicate' : 'different';
    }
    fsyncFolder(incomingDirectory);
    return 'stored';
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** The WAL files waiting in incoming/, in archive order (a timeline's history file before its segments). */
export function listIncomingFiles(incomingDirectory: string): string[] {
  if (!existsSync(incomingDirectory)) return [];
  return readdirSync(incomingDirectory, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

export interface ProcessIncomingOptions {
  /** checked between files: a cancelled run leaves the rest waiting, whole */
  signal?: AbortSignal | undefined;
}

/**
 * Archives the files waiting in incoming/ (at most archiver_batch_size per run
 * when set): validates each again, stores it with archiveWalBytes (compressed,
 * fsynced, indexed), then deletes it from incoming/. A refused file is moved
 * to errors/ and reported; the rest go on. The scheduler, the app and
 * `archive-wal` all call this; it yields to the event loop between files. Safe
 * to run twice at once: a file archived twice is a duplicate, one gone is skipped.
 */
export async function processIncoming(server: WalIntakeServer, catalog: Catalog | null, options: ProcessIncomingOptions = {}): Promise<IncomingReport> {
  const target = walArchiveTargetOf(server);
  const files: IncomingFileResult[] = [];
  try {
    const expectedSystemId = readExpectedSystemId(server);
    removeStaleTemporaries(server.incomingWalsDirectory);
    const waiting = listIncomingFiles(server.incomingWalsDirectory);
    const batch = server.archiverBatchSize > 0 ? waiting.slice(0, server.archiverBatchSize) : waiting;
    for (const name of batch) {
      if (options.signal?.aborted) break;
      const result = archiveIncomingFile(server, target, name, expectedSystemId, catalog);
      if (result) files.push(result);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError('io-failed', `unable to archive the incoming wal files of server '${server.name}': ${(error as Error).message}`,
      "check the free space and the permissions of the server's folders; the files wait in incoming/ for the next run", { cause: error });
  }
  return { server: server.name, files, refused: files.filter((file) => !['stored', 'duplicate'].includes(file.outcome)).length };
}

function archiveIncomingFile(
  server: WalIntakeServer, target: WalArchiveTarget, name: string, expectedSystemId: string | null, catalog: Catalog | null,
): IncomingFileResult | null {
  const source = path.join(server.incomingWalsDirectory, name);
  let data: Buffer;
  try {
    data = readFileSync(source);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // another run archived it meanwhile
    throw error;
  }
  if (parseWalFileName(name) === null) {
    const kept = moveToErrors(source, server.errorsDirectory, name, 'unknown');
    return { name, outcome: 'unknown', file: kept, message: `'${name}' in '${server.incomingWalsDirectory}' is not a wal file; it was moved to '${kept}'` };
  }
  try {
    validateWalFile(name, data, expectedSystemId);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    const kept = moveToErrors(source, server.errorsDirectory, name, 'invalid');
    return { name, outcome: 'invalid', file: kept, message: `${error.message}; it was moved to '${kept}'` };
  }
  let result: IncomingFileResult;
  try {
    const archived = archiveWalBytes(target, name, data, catalog);
    result = { name, outcome: archived.outcome, file: archived.file, message: null };
  } catch (error) {
    if (!(error instanceof EngineError) || error.code !== 'wal-conflict') throw error;
    // archiveWalBytes kept these bytes in errors/ already.
    result = { name, outcome: 'conflict', file: null, message: error.message };
  }
  // Only now, with the archived copy (or the errors/ copy) durable, may the incoming file go.
  removeDurably(source);
  return result;
}

/** Moves a refused file to errors/<name>.<stamp>.<reason>, never over an earlier one. */
function moveToErrors(source: string, errorsDirectory: string, name: string, reason: 'unknown' | 'invalid'): string {
  ensureFolder(errorsDirectory);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let kept = path.join(errorsDirectory, `${name}.${stamp}.${reason}`);
  for (let attempt = 1; existsSync(kept); attempt += 1) kept = path.join(errorsDirectory, `${name}.${stamp}-${attempt}.${reason}`);
  try {
    renameSync(source, kept);
    fsyncFolder(errorsDirectory);
    fsyncFolder(path.dirname(source));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    writeFileAtomic(kept, readFileSync(source));
    removeDurably(source);
  }
  return kept;
}

function removeDurably(file: string): void {
  rmSync(file, { force: true });
  fsyncFolder(path.dirname(file));
}

function removeStaleTemporaries(incomingDirectory: string): void {
  if (!existsSync(incomingDirectory)) return;
  const now = Date.now();
  for (const name of readdirSync(incomingDirectory)) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const file = path.join(incomingDirectory, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (stats?.isFile() && now - stats.mtimeMs > staleTemporaryMs) rmSync(file, { force: true });
  }
}

function ensureFolder(folder: string): void {
  if (existsSync(folder)) return;
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  fsyncFolder(path.dirname(folder));
}
