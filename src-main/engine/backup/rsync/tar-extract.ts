/**
 * A streaming reader of the tar archives remote `tar -cf -` writes (ustar,
 * GNU long names, pax headers). Each regular file member's bytes are kept as
 * held views of the connection's ring, or copies in reused shared blocks
 * (block-copies.ts), so each chunk may be reused once consume() returns; this
 * thread only parses. The hashing worker (background-hasher.ts) does the rest
 * from that shared memory: a small file waits until complete, then the worker
 * hashes and stores it whole (files completed in the same turn of the event
 * loop go in one message); a larger one goes to the write pool as it arrives,
 * so the network never waits for its writes, and the worker hashes its bytes
 * meanwhile. Never creates folders; the caller picks each path.
 */
import { Writable } from 'node:stream';
import type { BackgroundHasher, WholeFile } from '../background-hasher';
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
  /** Hashes every file and stores the small ones (the caller's lease, kept until finish() or abort() settled). */
  hasher: BackgroundHasher;
}

const blockSize = 512;
/**
 * Files up to this size (most files of a data folder) are stored whole by the
 * worker, a few syscalls each, instead of a trip through the thread pool per
 * open, write, mtime and close (measured on a pgbench cluster over loopback: a
 * quarter less time and CPU, when they were written on this thread).
 */
const smallFileBytes = 256 * 1024;
/** Small files sent to the worker in one message at most (and the bytes they hold). */
const storeBatchFiles = 64;
const storeBatchBytes = 4 * 1024 * 1024;
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
  /** a larger file: its writer, and its hash on the worker */
  written: { writer: FileWriter; hashId: number } | null;
  /** a small file's copies, until it is stored */
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
  /** files until written and hashed; the worker's failure (a digest's, a small file's syscall) is kept for consume() and finish() */
  const completing = new Set<Promise<void>>();
  let workerFailure: Error | null = null;
  const complete = (work: Promise<void>): void => {
    const completed = work.catch((error: Error) => {
      workerFailure ??= error;
    });
    completing.add(completed);
    void completed.finally(() => completing.delete(completed));
  };
  const extracted = (file: OpenFile, sha256: string): ExtractedFile => ({
    name: file.member.name, localPath: file.target.localPath, size: file.member.size, sha256, headerMtime: file.member.headerMtime,
  });

  /** complete small files not yet sent to the worker */
  let toStore: OpenFile[] = [];
  let toStoreBytes = 0;
  let storeScheduled: NodeJS.Immediate | null = null;
  const sendToStore = (): void => {
    if (storeScheduled) clearImmediate(storeScheduled);
    storeScheduled = null;
    if (toStore.length === 0) return;
    const files = toStore;
    const bytes = toStoreBytes;
    toStore = [];
    toStoreBytes = 0;
    const wholeFiles: WholeFile[] = files.map((file) => ({ path: file.target.localPath, mode: file.target.mode, mtime: file.target.mtime, views: file.parts }));
    const stored = opts.hasher.storeFiles(wholeFiles).then((sha256s) => {
      for (const [index, file] of files.entries()) {
        copies.release(file.parts);
        opts.onFile(extracted(file, sha256s[index]!));
      }
      opts.onBytes?.(bytes);
    });
    // Their blocks are held until then: they count toward the write pool's high-water mark.
    pool.track(bytes, stored);
    complete(stored);
  };

  const finishFile = (file: OpenFile): void => {
    current = null;
    if (!file.written) {
      toStore.push(file);
      toStoreBytes += file.member.size;
      if (toStore.length >= storeBatchFiles || toStoreBytes >= storeBatchBytes) sendToStore();
      else storeScheduled ??= setImmediate(sendToStore);
      return;
    }
    const { writer, hashId } = file.written;
    writer.end();
    // A write's failure is the pool's, thrown by finish(); a digest's is the worker's.
    const digest = opts.hasher.digest(hashId);
    complete(Promise.all([writer.done.catch(() => null), digest]).then(([written, sha256]) => {
      if (written !== null) opts.onFile(extracted(file, sha256));
    }));
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
      current = { member, target, written: null, parts: [] };
      if (member.size === 0) finishFile(current);
      return;
    }
    const hashId = opts.hasher.begin();
    const writer = pool.start(target, (batch) => opts.hasher.update(hashId, batch));
    current = { member, target, written: { writer, hashId }, parts: [] };
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
    // A small file the worker could not store fails the stream here, as a write on this thread did.
    if (workerFailure) throw workerFailure;
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
            const kept: Buffer[] = [];
            copies.keep(slice, kept);
            for (const part of kept) current.written.writer.push(part);
          } else {
            copies.keep(slice, current.parts);
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
      if (workerFailure) throw workerFailure;
    },
    finish: async () => {
      if (current || dataLeft > 0 || header.length > 0) {
        const partial = current as OpenFile | null;
        const truncated = new Error(`tar archive ended inside member '${partial?.member.name ?? 'header'}'`);
        // Close the partial file before failing: nothing stays open behind us.
        if (partial) dropFile(partial);
        current = null;
        sendToStore();
        await pool.settle().catch(() => undefined);
        await settleCompleting();
        throw truncated;
      }
      sendToStore();
      await settleCompleting();
      await pool.settle();
      if (workerFailure) throw workerFailure;
    },
    abort: async () => {
      if (current) dropFile(current);
      current = null;
      // Complete small files not sent yet are left out: nothing is written after abort() settled.
      if (storeScheduled) clearImmediate(storeScheduled);
      storeScheduled = null;
      toStore = [];
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
