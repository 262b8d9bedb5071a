/**
 * The one interface through which the engine runs commands and moves files on
 * a PostgreSQL host, whether local or over SSH. Implementations: local-transport.ts
 * and ssh-transport.ts. Commands are shell strings run by the host's shell;
 * quoting them is the caller's job.
 */
import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';

export interface ExecOptions {
  /** Aborting stops the command and rejects with EngineError('cancelled'). */
  signal?: AbortSignal;
  /** Fed to the command's stdin, which is closed after it (or at once when absent). */
  stdin?: Buffer | string | Readable;
}

export interface ExecResult {
  /** Exit status; -1 when the command was ended by a signal. */
  code: number;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface ExecStream {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the command has exited and its streams are closed. */
  done: Promise<{ code: number; signal: string | null }>;
  /**
   * Stops reading the command's output until the returned function is called
   * (once; later calls do nothing). A consumer of a copy connection
   * (ssh-copy-connection.ts) holds instead of pausing stdout, and the whole connection waits.
   */
  hold(): () => void;
}

/** What a bulk copy needs of a connection: commands with streamed output. */
export type CommandStreams = Pick<Transport, 'description' | 'execStream' | 'close'>;

/** hold() for one stream: paused until every hold is released. */
export function holdByPausing(stream: { pause(): unknown; resume(): unknown }): () => () => void {
  let holds = 0;
  return () => {
    if (holds++ === 0) stream.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds === 0) stream.resume();
    };
  };
}

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  size: number;
  mtime: Date;
  /** Permission bits only (e.g. 0o600). */
  mode: number;
  type: FileType;
}

export interface DirEntry extends FileStat {
  name: string;
}

export interface Transport {
  /** For messages: 'local' or 'ssh postgres@db1:22'. */
  readonly description: string;
  /** Runs a command to completion; a non-zero exit is a result, not an error. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Runs a command with its streams exposed, for large or long output. */
  execStream(command: string, opts?: { signal?: AbortSignal }): Promise<ExecStream>;
  /** Follows symlinks; null when nothing is at path. */
  stat(path: string): Promise<FileStat | null>;
  /** Entries of a folder (without . and ..), not following symlinks, sorted by name. */
  list(dir: string): Promise<DirEntry[]>;
  readStream(path: string, opts?: { start?: number }): Promise<Readable>;
  /** Creates or truncates; 'finish' fires only once the file is closed. Default mode 0o600. */
  writeStream(path: string, mode?: number): Promise<Writable>;
  close(): Promise<void>;
}

/** Maps the S_IFMT bits of a st_mode to a file type. */
export function readFileType(mode: number): FileType {
  switch (mode & 0o170000) {
    case 0o100000: return 'file';
    case 0o040000: return 'directory';
    case 0o120000: return 'symlink';
    default: return 'other';
  }
}

/**
 * Wraps a file write stream so that 'finish' (and so stream.pipeline) waits
 * for the underlying handle to close: an SFTP write is only done when the
 * server has closed the file.
 */
export function wrapUntilClosed(inner: Writable): Writable {
  let failure: Error | null = null;
  // At most one callback waits at a time: a write waiting for 'drain', or final waiting for 'close'.
  let waiting: { callback: (error?: Error | null) => void; until: 'drain' | 'close' } | null = null;
  const settle = (event: 'drain' | 'close' | 'error'): void => {
    if (!waiting || (event === 'drain' && waiting.until !== 'drain')) return;
    const { callback, until } = waiting;
    waiting = null;
    if (failure) callback(failure);
    else if (event === 'close' && until === 'drain') callback(new Error('file stream closed early'));
    else callback(null);
  };
  inner.on('error', (error: Error) => {
    failure = error;
    settle('error');
  });
  inner.on('drain', () => settle('drain'));
  inner.on('close', () => settle('close'));
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (failure) return callback(failure);
      if (inner.write(chunk)) return callback();
      waiting = { callback, until: 'drain' };
    },
    final(callback) {
      if (failure) return callback(failure);
      waiting = { callback, until: 'close' };
      inner.end();
    },
    destroy(error, callback) {
      if (!inner.destroyed) inner.destroy(error ?? undefined);
      callback(error);
    },
  });
}

/**
 * exec() on top of execStream(): runs the command to completion and collects its output. Each chunk
 * is copied as it arrives: on a copy connection (ssh-copy-connection.ts) it is a view of a reused buffer.
 */
export async function execCollecting(execStream: Transport['execStream'], command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const running = await execStream(command, opts.signal ? { signal: opts.signal } : {});
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  running.stdout.on('data', (chunk: Buffer) => stdout.push(Buffer.from(chunk)));
  running.stderr.on('data', (chunk: Buffer) => stderr.push(Buffer.from(chunk)));
  feedStdin(running.stdin, opts.stdin);
  const { code, signal } = await running.done;
  return { code, signal, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
}

/** Feeds exec's stdin option to a command's stdin stream and closes it. */
export function feedStdin(stdin: Writable, input: ExecOptions['stdin']): void {
  // A command that exits before reading all its input makes stdin fail with EPIPE; that is its business.
  stdin.on('error', () => {});
  if (input === undefined) stdin.end();
  else if (typeof input === 'string' || Buffer.isBuffer(input)) stdin.end(input);
  else input.pipe(stdin);
}
