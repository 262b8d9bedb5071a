/**
 * One transfer stream: a remote `tar -cf -` of a list of files (fed on its
 * stdin), optionally compressed on the wire (zstd, or gzip where the server
 * has no zstd), read through one SSH exec channel into
 * the local tar extractor. Each chunk is consumed during its 'data' call and
 * the command is held, never paused, while the disk catches up: on a copy
 * connection (ssh-copy-connection.ts) the chunks are views of a reused ring.
 * Sorts tar's complaints into files that vanished or changed while read
 * (normal on a running server; WAL replay repairs them) and real errors.
 */
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DecompressStream } from 'zstd-napi';
import { EngineError } from '../../../../shared/errors';
import type { CommandStreams, ExecStream, Transport } from '../../transport/transport';
import { leaseSharedHasher } from '../background-hasher';
import type { RemoteEntry } from './remote-listing';
import { createTarExtractor, createTarExtractorStream } from './tar-extract';
import type { TarExtractor, TarExtractorOptions } from './tar-extract';

export interface FetchedFile {
  entry: RemoteEntry;
  localPath: string;
  /** bytes stored (tar's size: it may differ from the listing when the file changed) */
  size: number;
  sha256: string;
  /** true when tar saw another mtime than the listing, or said the file changed while read */
  changed: boolean;
}

export interface FetchOptions {
  dataFolder: string;
  /** network_compression: compressed on the PostgreSQL host, decompressed here */
  compress: WireCompression;
  signal: AbortSignal;
  /** data bytes written locally since the last call */
  onBytes(count: number): void;
  onFile(file: FetchedFile): void;
}

export interface FetchResult {
  files: FetchedFile[];
  /** files listed but gone when tar reached them */
  vanished: RemoteEntry[];
  /** bytes read off the SSH channel */
  wireBytes: number;
}

/** zstd -1 compresses several times faster than gzip -1, about as tight. */
export type WireCompression = 'off' | 'zstd' | 'gzip';

/** zstd when the server has it (several times less of its CPU than gzip for about the same bytes), else gzip. */
export async function chooseWireCompression(transport: Pick<Transport, 'exec'>, signal: AbortSignal): Promise<'zstd' | 'gzip'> {
  const found = await transport.exec('command -v zstd', { signal });
  return found.code === 0 ? 'zstd' : 'gzip';
}

/** Builds the remote command; names are fed on stdin relative to '/', NUL-terminated. */
export function buildTarCommand(compress: WireCompression): string {
  const tar = 'LC_ALL=C tar -C / --null --no-recursion --hard-dereference --numeric-owner -T - -cf -';
  if (compress === 'zstd') return `${tar} | zstd -1 -q -c`;
  return compress === 'gzip' ? `${tar} | gzip -1` : tar;
}

/** Fetches `files` (regular files) into dataFolder at their backup paths; the folders must exist. */
export async function fetchFiles(transport: CommandStreams, files: readonly RemoteEntry[], opts: FetchOptions): Promise<FetchResult> {
  const byMember = new Map(files.map((entry) => [memberName(entry.remotePath), entry]));
  const fetched: FetchedFile[] = [];
  const remote = await transport.execStream(buildTarCommand(opts.compress), { signal: opts.signal });
  const stderr: Buffer[] = [];
  remote.stderr.on('data', (chunk: Buffer) => stderr.push(Buffer.from(chunk)));
  remote.stdin.on('error', () => {});
  remote.stdin.end(Buffer.from(files.map((entry) => `${memberName(entry.remotePath)}\0`).join(''), 'utf8'));

  // The process's hashing thread: it hashes every file, and stores the small ones whole.
  const hashing = leaseSharedHasher();
  const extracting: TarExtractorOptions = {
    hasher: hashing.hasher,
    locate: (name) => {
      const entry = byMember.get(name);
      if (!entry) return null;
      return { localPath: path.join(opts.dataFolder, ...entry.backupPath.split('/')), mode: entry.mode & 0o7777, mtime: entry.mtime };
    },
    onFile: (file) => {
      const entry = byMember.get(file.name)!;
      const changed = Math.floor(entry.mtime.getTime() / 1000) !== Math.floor(file.headerMtime.getTime() / 1000);
      const done: FetchedFile = { entry, localPath: file.localPath, size: file.size, sha256: file.sha256, changed };
      fetched.push(done);
      opts.onFile(done);
    },
    onBytes: opts.onBytes,
  };
  let wireBytes = 0;
  const countWire = (chunk: Buffer): void => {
    wireBytes += chunk.length;
  };
  try {
    await Promise.all([
      opts.compress === 'off'
        ? readInto(remote, createTarExtractor(extracting), countWire, opts.signal)
        : decompressInto(remote, opts.compress === 'zstd' ? new DecompressStream() : createGunzip(), createTarExtractorStream(extracting), countWire, opts.signal),
      remote.done,
    ]);
  } catch (error) {
    if (opts.signal.aborted) throw new EngineError('cancelled', `copy from ${transport.description} was cancelled`, undefined, { cause: error });
    // A local file system error (no space, no permission) is about the store, not the connection.
    if ((error as NodeJS.ErrnoException).syscall !== undefined) {
      throw new EngineError('io-failed', `unable to write backup files into '${opts.dataFolder}': ${(error as Error).message.toLowerCase()}`,
        'check the free space and permissions of the backup folder', { cause: error });
    }
    throw new EngineError('ssh-failed', `unable to copy files from ${transport.description}: ${(error as Error).message}`, stderrHint(stderr), { cause: error });
  } finally {
    hashing.release();
  }

  const complaints = classifyTarErrors(Buffer.concat(stderr).toString('utf8'));
  const received = new Set(fetched.map((file) => memberName(file.entry.remotePath)));
  const vanished = files.filter((entry) => !received.has(memberName(entry.remotePath)));
  const unexplained = vanished.filter((entry) => !complaints.vanished.has(memberName(entry.remotePath)));
  if (complaints.errors.length > 0 || unexplained.length > 0) {
    const reason = complaints.errors[0] ?? `'${unexplained[0]!.remotePath}' was not sent`;
    throw new EngineError('io-failed', `unable to copy files from ${transport.description}: ${reason}`,
      'check that the ssh user can read every file of the data folder and its tablespaces');
  }
  for (const file of fetched) if (complaints.changed.has(memberName(file.entry.remotePath))) file.changed = true;
  return { files: fetched, vanished, wireBytes };
}

/**
 * Feeds the command's output to the extractor chunk by chunk, holding the
 * command while the extractor is full. Settles once the output ended and every file is on disk.
 */
function readInto(remote: ExecStream, extractor: TarExtractor, onChunk: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let release = null as (() => void) | null;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      release?.();
      signal.removeEventListener('abort', onAbort);
      remote.stdout.destroy();
      void extractor.abort().finally(() => reject(error));
    };
    const onAbort = (): void => fail(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    remote.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      onChunk(chunk);
      try {
        extractor.consume(chunk);
      } catch (error) {
        fail(error);
        return;
      }
      if (extractor.full && release === null) {
        release = remote.hold();
        extractor.waitForRoom().then(() => {
          release?.();
          release = null;
        }, fail);
      }
    });
    let ended = false;
    remote.stdout.once('error', fail);
    remote.stdout.once('close', () => {
      if (!ended) fail(new Error('the output closed before its end'));
    });
    remote.stdout.once('end', () => {
      ended = true;
      if (failed) return;
      extractor.finish().then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, fail);
    });
  });
}

/** network_compression: the output is decompressed (from copies: the decompressor works later) into the extractor's stream. */
async function decompressInto(remote: ExecStream, decompressor: Transform, extractor: NodeJS.WritableStream, onChunk: (chunk: Buffer) => void,
  signal: AbortSignal): Promise<void> {
  let release = null as (() => void) | null;
  remote.stdout.on('data', (chunk: Buffer) => {
    onChunk(chunk);
    if (!decompressor.write(Buffer.from(chunk)) && release === null) {
      release = remote.hold();
      decompressor.once('drain', () => {
        release?.();
        release = null;
      });
    }
  });
  let ended = false;
  remote.stdout.once('end', () => {
    ended = true;
    decompressor.end();
  });
  remote.stdout.once('error', (error) => decompressor.destroy(error));
  remote.stdout.once('close', () => {
    if (!ended) decompressor.destroy(new Error('the output closed before its end'));
  });
  try {
    await pipeline(decompressor, extractor, { signal });
  } finally {
    release?.();
    remote.stdout.destroy();
  }
}

/** tar's stderr lines: 'Cannot stat: No such file' = vanished, 'file changed' / 'File shrank' = changed, the rest errors. */
export function classifyTarErrors(stderr: string): { vanished: Set<string>; changed: Set<string>; errors: string[] } {
  const result = { vanished: new Set<string>(), changed: new Set<string>(), errors: [] as string[] };
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/^(\S*\/)?tar: /, '').trim();
    if (line === '' || /^Exiting with failure status due to previous errors$/.test(line) || /^Removing leading/.test(line)) continue;
    const vanished = /^(.*): (?:Cannot stat|Cannot open|File removed before we read it)(?:: No such file or directory)?$/.exec(line);
    if (vanished && (/No such file/.test(line) || /File removed/.test(line))) {
      result.vanished.add(vanished[1]!);
      continue;
    }
    const changed = /^(.*): (?:file changed as we read it|File shrank by \d+ bytes; padding with zeros)$/.exec(line);
    if (changed) {
      result.changed.add(changed[1]!);
      continue;
    }
    result.errors.push(line);
  }
  return result;
}

/** Member names are paths relative to '/', as `tar -C /` stores them. */
function memberName(remotePath: string): string {
  return remotePath.replace(/^\/+/, '');
}

function stderrHint(stderr: Buffer[]): string | undefined {
  const text = Buffer.concat(stderr).toString('utf8').trim();
  return text ? `the remote tar said: ${text.split('\n').slice(-3).join(' / ')}` : undefined;
}
