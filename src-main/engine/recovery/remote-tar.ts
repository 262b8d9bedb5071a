/**
 * The tar streams of a remote restore: the backup's data folder packed by the
 * local `tar` (postmaster.pid/opts left out), the plan's WAL packed by a minimal
 * ustar writer of our own (decompressed, read one file at a time), and the pipe
 * of either into a remote `tar -x` with backpressure and byte counts. Reads the
 * store only; what the remote side does with the stream is the caller's command.
 */
import { spawn } from 'node:child_process';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../../shared/errors';
import type { Transport } from '../transport/transport';
import { readArchivedWal } from '../wal/archive-store';

const blockSize = 512;

export interface TarSource {
  stream: Readable;
  /** settles when the producer has finished; rejects when it failed */
  done: Promise<void>;
}

/** Packs `dataFolder` with the local GNU tar, as entries relative to it. */
export function packDataFolder(dataFolder: string): TarSource {
  const child = spawn('tar', ['-C', dataFolder, '--exclude=./postmaster.pid', '--exclude=./postmaster.opts', '-cf', '-', '.'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new EngineError('io-failed', `unable to run the local tar on '${dataFolder}': ${error.message.toLowerCase()}`, 'install GNU tar on this machine')));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new EngineError('io-failed', `the local tar of '${dataFolder}' failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`, 'check that the backup folder is readable'));
    });
  });
  // An early failure of the consumer must not leave tar running.
  child.stdout.once('close', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  return { stream: child.stdout, done };
}

/** Packs the named archived WAL files (segments decompressed) as regular 0600 files at the top of the archive. */
export function packPlannedWal(walsDirectory: string, names: readonly string[]): TarSource {
  let settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  async function* entries(): AsyncGenerator<Buffer> {
    try {
      const mtime = Math.floor(Date.now() / 1000);
      for (const name of names) {
        const bytes = readArchivedWal(walsDirectory, name);
        if (bytes === null) {
          throw new EngineError('wal-missing', `wal file ${name} disappeared from the archive during the restore`,
            'retention or a person may have removed it: plan the restore again');
        }
        yield buildUstarHeader(name, bytes.length, 0o600, mtime);
        yield bytes;
        const padding = (blockSize - (bytes.length % blockSize)) % blockSize;
        if (padding > 0) yield Buffer.alloc(padding);
      }
      yield Buffer.alloc(blockSize * 2);
      settle!.resolve();
    } catch (error) {
      settle!.reject(error);
      throw error;
    }
  }
  // A consumer that fails first leaves `done` pending: nobody awaits it then.
  done.catch(() => undefined);
  return { stream: Readable.from(entries(), { objectMode: false }), done };
}

/** One ustar header block for a regular file; names longer than 100 bytes are not needed here. */
export function buildUstarHeader(name: string, size: number, mode: number, mtime: number): Buffer {
  const header = Buffer.alloc(blockSize);
  if (Buffer.byteLength(name) > 100) throw new EngineError('internal', `tar entry name '${name}' is longer than 100 bytes`);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, mode, 100, 8);
  writeOctal(header, 0, 108, 8);
  writeOctal(header, 0, 116, 8);
  writeOctal(header, size, 124, 12);
  writeOctal(header, mtime, 136, 12);
  header.write('        ', 148, 8, 'ascii');
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return header;
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'ascii');
}

/**
 * Runs `command` on the remote host and pipes `source` into its stdin; resolves
 * with the bytes sent once both sides finished cleanly. `onBytes` gets the running total.
 */
export async function streamIntoRemote(transport: Transport, command: string, source: TarSource, what: string,
  signal: AbortSignal, onBytes: (bytes: number) => void): Promise<number> {
  const remote = await transport.execStream(command, { signal });
  let stderr = '';
  remote.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096);
  });
  remote.stdout.on('data', () => undefined);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      onBytes(sent);
      callback(null, chunk);
    },
  });
  // A failed remote tar shows in its exit status and stderr, which say more than the broken pipe.
  const piped = pipeline(source.stream, counter, remote.stdin, { signal }).then(() => null, (error: unknown) => error);
  const [pipeError, exit] = await Promise.all([piped, remote.done]);
  if (exit.code !== 0) {
    throw new EngineError('io-failed', `${what} failed on ${transport.description} (${exit.signal ?? `exit ${exit.code}`}): ${stderr.trim() || 'no message'}`,
      'check the destination folder, its owner and the free space on that host');
  }
  if (pipeError !== null) throw pipeError;
  await source.done;
  return sent;
}
