/**
 * A streaming reader of the tar archives remote `tar -cf -` writes (ustar,
 * GNU long names, pax headers). Each regular file member's bytes are copied
 * into reused blocks (block-copies.ts), so each chunk may be reused once
 * consume() returns. A small file is hashed (SHA-256) as it passes, on this
 * thread, waits in blocks until complete, then is written at once (four
 * syscalls). A larger one goes to the write pool as it arrives, so the network
 * never waits for its writes, and the hashing worker (background-hasher.ts)
 * hashes its blocks while they are written: this thread then only parses and
 * copies. Never creates folders; the caller picks each path.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import type { BackgroundHasher } from '../background-hasher';
import { writeFileNow } from '../disk-pool';
import { BlockCopies } from './block-copies';
import { createWritePool } from './file-writes';
import type { FileWriter, FileWriteTarget } from './file-writes';

export type TarMemberTarget = FileWriteTarget;

export interface ExtractedFile {
  /** the member's name as the archive holds it */
  name: string;
  localPath: string;
  size: number;
  sha256: string;
  /** the mtime tar saw (whole seconds) */
  headerMtime: Date;
}

export interface TarExtractorOptions {
  /** Where a regular file member goes; null skips it. */
  locate(name: string): TarMemberTarget | null;
  /** Called once the file is written and closed. */
  onFile(file: ExtractedFile): void;
  /** Members that are not regular files, or that locate() refused. */
  onSkip?(name: string, typeflag: string): void;
  /** Bytes written to disk (per batch, not per chunk). */
  onBytes?(count: number): void;
  /** Hashes the files that go through the write pool (the caller's lease, kept until finish() or abort() settled). */
  hasher: BackgroundHasher;
}

const blockSize = 512;
/**
 * Files up to this size (most files of a data folder) are written whole on
 * this thread: measured on a pgbench cluster over loopback, a quarter less
 * time and CPU than a trip through the thread pool per open, write, mtime and close.
 */
const smallFileBytes = 256 * 1024;
const regularTypes = new Set(['0', '\0', '7']);

interface Member {
  name: string;
  typeflag: string;
  size: number;
  headerMtime: Date;
}

interface OpenFile {
  member: Member;
  target: TarMemberTarget;
  /** a small file's hash, on this thread */
  hash: Hash | null;
  /** a larger file: its writer, and its hash on the worker */
  written: { writer: FileWriter; hashId: number } | null;
  /** a small file's copies, until it is complete */
  parts: Buffer[];
}

export interface TarExtractor {
  /**
   * Reads the next bytes of the archive, copying what it keeps: `chunk` may be
   * reused once this returns. Throws on a malformed archive or a failed write of a small file.
   */
  consume(chunk: Buffer): void;
  /** True while too many bytes wait for the disk: stop feeding until waitForRoom() resolves. */
  readonly full: boolean;
  waitForRoom(): Promise<void>;
  /** The input ended: resolves once every member is on disk; rejects when the archive was cut short or a write failed. */
  finish(): Promise<void>;
  /** Closes what is open without waiting for queued writes. */
  abort(): Promise<void>;
}

export function createTarExtractor(opts: TarExtractorOptions): TarExtractor {
  const copies = new BlockCopies();
  const pool = createWritePool({
    onWritten: (bytes, chunks) => {
      copies.release(chunks);
      opts.onBytes?.(bytes);
    },
  });
  let header: Buffer = Buffer.alloc(0);
  /** bytes of the current member's data still to come, then padding */
  let dataLeft = 0;
  let padLeft = 0;
  /** a meta member ('L' long name, 'x' pax) being collected */
  let meta: { typeflag: string; parts: Buffer[] } | null = null;
  let nextName: string | null = null;
  let nextSize: number | null = null;
  let current: OpenFile | null = null;
  let ended = false;
  /** larger files until written and hashed; a digest's failure (the worker's) is kept for finish() */
  const completing = new Set<Promise<void>>();
  let hashFailure: Error | null = null;
  const finishFile = (file: OpenFile): void => {
    current = null;
    const { member, target } = file;
    const stored = (sha256: string): ExtractedFile => ({ name: member.name, localPath: target.localPath, size: member.size, sha256, headerMtime: member.headerMtime });
    if (!file.written) {
      // A write error leaves through consume(), failing the stream.
      writeFileNow(target.localPath, file.parts, { flags: 'wx', mode: target.mode, mtime: target.mtime });
      copies.release(file.parts);
      opts.onBytes?.(member.size);
      opts.onFile(stored(file.hash!.digest('hex')));
      return;
    }
    const { writer, hashId } = file.written;
    writer.end();
    const digest = opts.hasher.digest(hashId);
    // A write's failure is the pool's, thrown by finish(); a digest's is kept here.
    digest.catch((error: Error) => {
      hashFailure ??= error;
    });
    const complete = Promise.all([writer.done, digest]).then(([, sha256]) => opts.onFile(stored(sha256)), () => undefined);
    completing.add(complete);
    void complete.finally(() => completing.delete(complete));
  };

  const startMember = (member: Member): void => {
    dataLeft = member.size;
    padLeft = (blockSize - (member.size % blockSize)) % blockSize;
    if (member.typeflag === 'L' || member.typeflag === 'x' || member.typeflag === 'g') {
      meta = { typeflag: member.typeflag, parts: [] };
      return;
    }
    const target = regularTypes.has(member.typeflag) ? opts.locate(member.name) : null;
    if (!target) {
      opts.onSkip?.(member.name, member.typeflag);
      return;
    }
    if (member.size <= smallFileBytes) {
      current = { member, target, hash: createHash('sha256'), written: null, parts: [] };
      if (member.size === 0) finishFile(current);
      return;
    }
    const hashId = opts.hasher.begin();
    const writer = pool.start(target, (batch) => opts.hasher.update(hashId, batch));
    current = { member, target, hash: null, written: { writer, hashId }, parts: [] };
  };

  const endMeta = (): void => {
    if (!meta) return;
    const body = Buffer.concat(meta.parts);
    if (meta.typeflag === 'L') nextName = readCString(body, 0, body.length);
    if (meta.typeflag === 'x') {
      const pax = parsePax(body);
      if (pax.path !== undefined) nextName = pax.path;
      if (pax.size !== undefined) nextSize = pax.size;
    }
    meta = null;
  };

  const consume = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length && !ended) {
      if (dataLeft > 0) {
        const take = Math.min(dataLeft, chunk.length - offset);
        const slice = chunk.subarray(offset, offset + take);
        offset += take;
        dataLeft -= take;
        if (meta) {
          meta.parts.push(Buffer.from(slice));
          if (dataLeft === 0) endMeta();
        } else if (current) {
          if (current.written) {
            const copied: Buffer[] = [];
            copies.copy(slice, copied);
            for (const part of copied) current.written.writer.push(part);
          } else {
            current.hash!.update(slice);
            copies.copy(slice, current.parts);
          }
          if (dataLeft === 0) finishFile(current);
        }
        continue;
      }
      if (padLeft > 0) {
        const take = Math.min(padLeft, chunk.length - offset);
        offset += take;
        padLeft -= take;
        continue;
      }
      const take = Math.min(blockSize - header.length, chunk.length - offset);
      // A header cut across chunks is kept as a copy; a whole one is read before consume() returns.
      header = Buffer.concat([header, chunk.subarray(offset, offset + take)]);
      offset += take;
      if (header.length < blockSize) continue;
      const block = header;
      header = Buffer.alloc(0);
      if (isZeroBlock(block)) {
        // Two zero blocks end the archive; one is enough to know no member follows.
        ended = true;
        return;
      }
      const member = parseHeader(block, nextName, nextSize);
      nextName = null;
      nextSize = null;
      startMember(member);
      if (meta && member.size === 0) endMeta();
    }
  };

  /** A file cut short: its writer closes, and the worker forgets its hash. Never throws: it runs on the way out of a failure. */
  const dropFile = (file: OpenFile): void => {
    if (!file.written) return;
    opts.hasher.digest(file.written.hashId).catch(() => undefined);
    try {
      file.written.writer.end();
    } catch {
      // The pool failed already (its last batch was refused): finish() or the caller reports that failure.
    }
  };
  const settleCompleting = async (): Promise<void> => {
    while (completing.size > 0) await Promise.all([...completing]);
  };

  return {
    consume,
    get full() {
      return pool.full;
    },
    waitForRoom: async () => {
      await pool.waitForRoom();
      if (hashFailure) throw hashFailure;
    },
    finish: async () => {
      if (current || dataLeft > 0 || header.length > 0) {
        const partial = current as OpenFile | null;
        const truncated = new Error(`tar archive ended inside member '${partial?.member.name ?? 'header'}'`);
        // Close the partial file before failing: nothing stays open behind us.
        if (partial) dropFile(partial);
        current = null;
        await pool.settle().catch(() => undefined);
        await settleCompleting();
        throw truncated;
      }
      await pool.settle();
      await settleCompleting();
      if (hashFailure) throw hashFailure;
    },
    abort: async () => {
      if (current) dropFile(current);
      current = null;
      await pool.abort();
      await settleCompleting();
    },
  };
}

/** The extractor as a Writable, for a piped source (a gunzip stream, a test's chunks); it finishes once every member is on disk. */
export function createTarExtractorStream(opts: TarExtractorOptions): Writable {
  const extractor = createTarExtractor(opts);
  return new Writable({
    highWaterMark: 1024 * 1024,
    writev(chunks, callback) {
      try {
        for (const { chunk } of chunks) extractor.consume(chunk as Buffer);
      } catch (error) {
        callback(error as Error);
        return;
      }
      // Backpressure only when the disk falls behind: many writes run at once meanwhile.
      extractor.waitForRoom().then(() => callback(), (error: Error) => callback(error));
    },
    final(callback) {
      extractor.finish().then(() => callback(), (error: Error) => callback(error));
    },
    destroy(error, callback) {
      extractor.abort().then(() => callback(error), () => callback(error));
    },
  });
}

function parseHeader(block: Buffer, longName: string | null, paxSize: number | null): Member {
  if (!verifyChecksum(block)) throw new Error('tar header checksum mismatch: the stream is not a tar archive or is corrupt');
  const typeflag = String.fromCharCode(block[156] ?? 0);
  let name = longName;
  if (name === null) {
    name = readCString(block, 0, 100);
    // ustar (magic "ustar\0") keeps a path prefix; GNU (magic "ustar ") uses those bytes for times.
    if (block.toString('latin1', 257, 263) === 'ustar\0') {
      const prefix = readCString(block, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
  }
  return {
    name,
    typeflag,
    size: paxSize ?? readNumber(block, 124, 12),
    headerMtime: new Date(readNumber(block, 136, 12) * 1000),
  };
}

/** Octal text, or GNU base-256 when the high bit of the first byte is set. */
export function readNumber(block: Buffer, offset: number, length: number): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (block[offset + i] ?? 0);
    return value;
  }
  const text = block.toString('latin1', offset, offset + length).replace(/[\0 ]+$/, '').trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function verifyChecksum(block: Buffer): boolean {
  const stored = readNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < blockSize; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  return sum === stored;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < blockSize; i++) if (block[i] !== 0) return false;
  return true;
}

function readCString(buffer: Buffer, offset: number, length: number): string {
  const end = buffer.indexOf(0, offset);
  return buffer.toString('utf8', offset, end === -1 || end > offset + length ? offset + length : end);
}

/** pax records: "<len> <key>=<value>\n"; only path and size matter here. */
function parsePax(body: Buffer): { path?: string; size?: number } {
  const result: { path?: string; size?: number } = {};
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(body.toString('latin1', offset, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = body.toString('utf8', space + 1, offset + length - 1);
    const equals = record.indexOf('=');
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    if (key === 'path') result.path = value;
    if (key === 'size') result.size = Number(value);
    offset += length;
  }
  return result;
}
