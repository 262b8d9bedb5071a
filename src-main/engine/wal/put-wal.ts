/**
 * The receiving end of archive_command (`barkeep put-wal`, like `barman
 * put-wal`): one WAL file's bytes are checked and left durably in incoming/,
 * exactly once. It never writes into the archive (processIncoming does) and
 * never leaves a partial file under a name the archiver would take.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { keepInErrors, readArchivedWal } from './archive-store';
import { readExpectedSystemId, validateWalFile, writeIncomingFile, type WalIntakeServer } from './incoming';
import { parseWalFileName } from './segment-name';

export interface PutWalResult {
  server: string;
  name: string;
  /** 'duplicate': the same bytes were already waiting in incoming/ or archived */
  outcome: 'stored' | 'duplicate';
}

export interface PutWalOptions {
  /** the sender's sha256 of the file, hex: proves nothing was lost on the way */
  sha256?: string | undefined;
}

/** The largest wal_segment_size PostgreSQL allows; history and backup label files are far smaller. */
const maxSegmentBytes = 1024 ** 3;
const maxSmallFileBytes = 64 * 1024 * 1024;

/** Reads a whole WAL file from a stream (put-wal's stdin), refusing more bytes than such a file can have. */
export async function readWalBytes(stream: AsyncIterable<Buffer | string>, name: string): Promise<Buffer> {
  const limit = parseWalFileName(name)?.kind === 'segment' ? maxSegmentBytes : maxSmallFileBytes;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += bytes.length;
    if (total > limit) {
      throw new EngineError('wal-invalid', `wal file '${name}' is refused: more than ${limit} bytes arrived`,
        'archive_command must send the one file %p on stdin');
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Accepts one pushed WAL file: checks name, checksum and header, compares it
 * with an archived or waiting copy of the same name, and writes it into
 * incoming/. Same bytes again is a harmless duplicate; other bytes under a
 * known name are kept in errors/ and refused with 'wal-conflict'.
 */
export function putWalBytes(server: WalIntakeServer, name: string, data: Buffer, options: PutWalOptions = {}): PutWalResult {
  // 1. The file is what it says it is, and arrived whole.
  if (options.sha256 !== undefined) checkChecksum(name, data, options.sha256);
  validateWalFile(name, data, readExpectedSystemId(server));

  // 2. Already archived (by archive_command earlier, or by streaming): same bytes is fine, others are a conflict.
  const archived = readArchivedWal(server.walsDirectory, name);
  if (archived !== null) {
    if (archived.equals(data)) return { server: server.name, name, outcome: 'duplicate' };
    throw conflictError(server, name, data, 'archived');
  }

  // 3. Into incoming/, never over a file already waiting there.
  const written = writeIncomingFile(server.incomingWalsDirectory, name, data);
  if (written === 'different') throw conflictError(server, name, data, 'waiting in incoming/');
  return { server: server.name, name, outcome: written };
}

/** `put-wal --test`: the server is known and its incoming/ folder writable; nothing stays behind. */
export function testWalIntake(server: WalIntakeServer): { server: string; incomingDirectory: string; systemId: string | null } {
  const probe = path.join(server.incomingWalsDirectory, `.put-wal-test.${process.pid}.tmp`);
  try {
    mkdirSync(server.incomingWalsDirectory, { recursive: true, mode: 0o700 });
    writeFileSync(probe, '', { mode: 0o600 });
  } catch (error) {
    throw new EngineError('io-failed', `incoming wal folder '${server.incomingWalsDirectory}' of server '${server.name}' is not writable: ${(error as Error).message}`,
      'the ssh login user of archive_command must own the server\'s folders: check their owner and permissions', { cause: error });
  } finally {
    rmSync(probe, { force: true });
  }
  return { server: server.name, incomingDirectory: server.incomingWalsDirectory, systemId: readExpectedSystemId(server) };
}

function checkChecksum(name: string, data: Buffer, expected: string): void {
  if (!/^[0-9a-f]{64}$/i.test(expected)) {
    throw new EngineError('usage', `'${expected}' is not a sha256 checksum`, 'pass 64 hex digits, as sha256sum prints them');
  }
  const actual = createHash('sha256').update(data).digest('hex');
  if (actual !== expected.toLowerCase()) {
    throw new EngineError('wal-invalid', `wal file '${name}' arrived damaged: ${data.length} bytes whose sha256 is not the sender's`,
      'the transfer was cut or altered; PostgreSQL will retry archive_command');
  }
}

function conflictError(server: WalIntakeServer, name: string, data: Buffer, where: string): EngineError {
  const kept = keepInErrors(server.errorsDirectory, name, data);
  return new EngineError('wal-conflict',
    `wal file '${name}' is already ${where} for server '${server.name}' with different content; the pushed copy was kept in '${kept}'`,
    'two clusters may be archiving into one server, or the cluster was re-created: check the system identifier and the archive_command');
}
