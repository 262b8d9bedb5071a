/**
 * The tar streams of a remote restore: named entries of a store folder packed
 * by the local GNU tar (a list on its stdin, folders without their content), the
 * plan's WAL packed by a minimal ustar writer of our own (decompressed, read one
 * file at a time), and the pipe of either into a remote `tar -x` with
 * backpressure, byte counts and the remote pid (for a cleanup that must stop it
 * first). Reads the store only; what the remote side runs is the caller's command.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { PassThrough, Readable, Transform } from 'node:stream';
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

/**
 * Packs `names` (relative to `root`; a folder stands for itself, not its content) with the local GNU tar, in the
 * order given. The names travel NUL-separated on tar's stdin, so any character (even a newline) is safe.
 */
export function packEntries(root: string, names: readonly string[]): TarSource {
  const child = spawn('tar', ['-C', root, '--null', '--no-recursion', '-T', '-', '-cf', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096);
  });
  // tar stopping early (a stream cancelled) breaks this pipe: its exit status tells.
  child.stdin.on('error', () => undefined);
  child.stdin.end(names.map((name) => `${name}\0`).join(''));
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new EngineError('io-failed', `unable to run the local tar on '${root}': ${error.message.toLowerCase()}`, 'install GNU tar on this machine')));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new EngineError('io-failed', `the local tar of '${root}' failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`, 'check that the backup folder is readable'));
    });
  });
  // A consumer that fails first leaves nobody awaiting `done`.
  done.catch(() => undefined);
  // Node drains a child's unread stdout when the child exits: a small archive, written before the remote command
  // was ready, would be lost. Piped at once, it waits here (tar blocked on the pipe once this buffer is full).
  const stream = new PassThrough();
  child.stdout.pipe(stream);
  stopWhenAbandoned(child, stream, abandonedGraceMs);
  return { stream, done };
}

/** how long a producer whose consumer stopped early may take to end by itself */
const abandonedGraceMs = 5_000;

/**
 * A consumer that closes `stream` before its end must not leave `child` running. Its output pipe is closed:
 * a child with more to write ends there (a broken pipe), while one that had written everything (a remote
 * tar may stop reading at the end blocks) exits by itself with its own status. Killing it at once raced that
 * exit, and failed a complete copy now and then. A child that neither writes nor exits is stopped after `graceMs`.
 */
export function stopWhenAbandoned(child: ChildProcess, stream: PassThrough, graceMs: number): void {
  stream.once('close', () => {
    if (stream.readableEnded || child.exitCode !== null || child.signalCode !== null) return;
    child.stdout?.unpipe(stream);
    child.stdout?.destroy();
    const stop = setTimeout(() => child.kill('SIGTERM'), graceMs);
    stop.unref();
    child.once('close', () => clearTimeout(stop));
  });
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

export interface RemoteStreamOptions {
  /** what the stream does, for messages: "unpacking the data folder into '/srv/restore'" */
  what: string;
  signal: AbortSignal;
  /** the running total of bytes sent */
  onBytes: (bytes: number) => void;
  /**
   * The remote pids of commands still running: the command's first stdout line `pid N` adds N, its exit removes it.
   * What remains after a failure is what a cleanup must stop (see remoteExtractCommand and stopRemoteExtracts).
   */
  running?: Set<number>;
}

/**
 * Runs `command` on the remote host and pipes `source` into its stdin; resolves with the bytes sent once both sides
 * finished cleanly.
 */
export async function streamIntoRemote(transport: Transport, command: string, source: TarSource, options: RemoteStreamOptions): Promise<number> {
  const { what, signal, onBytes, running } = options;
  let remote: Awaited<ReturnType<Transport['execStream']>>;
  try {
    remote = await transport.execStream(command, { signal });
  } catch (error) {
    source.stream.destroy();
    throw error;
  }
  let stderr = '';
  remote.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096);
  });
  let stdout = '';
  let pid: number | null = null;
  remote.stdout.on('data', (chunk: Buffer) => {
    if (pid !== null || stdout.length > 256) return;
    stdout += chunk.toString('utf8');
    const line = /^pid (\d+)\n/.exec(stdout);
    if (line) {
      pid = Number(line[1]);
      running?.add(pid);
    }
  });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      onBytes(sent);
      callback(null, chunk);
    },
  });
  // Which side failed first is the cause: a local tar that stopped ends the stream early (the remote tar then fails
  // on a short archive); a remote tar that stopped breaks the pipe (the local tar then dies of it).
  let remoteExited = false;
  let sourceFailedFirst = false;
  source.done.catch(() => {
    if (!remoteExited) sourceFailedFirst = true;
  });
  const exited = remote.done.then((exit) => {
    remoteExited = true;
    return exit;
  });
  // A failed remote tar shows in its exit status and stderr, which say more than the broken pipe.
  const piped = pipeline(source.stream, counter, remote.stdin, { signal }).then(() => null, (error: unknown) => error);
  const [pipeError, exit] = await Promise.all([piped, exited]);
  if (pid !== null) running?.delete(pid);
  if (sourceFailedFirst) await source.done;
  if (exit.code !== 0) {
    throw new EngineError('io-failed', `${what} failed on ${transport.description} (${exit.signal ?? `exit ${exit.code}`}): ${stderr.trim() || 'no message'}`,
      'check the destination folder, its owner and the free space on that host');
  }
  if (pipeError !== null && !closedAfterSuccess(pipeError)) throw pipeError;
  await source.done;
  return sent;
}

/**
 * The remote tar exited 0 (it read the archive to its end blocks) while the end of its stdin was not yet
 * acknowledged: the process's exit closes that stdin, and the pipe reports a premature close (or EPIPE) with
 * every archive byte delivered. Not an error: the exit status says the archive is complete, and the source
 * still has to finish cleanly (awaited after).
 */
function closedAfterSuccess(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE';
}
