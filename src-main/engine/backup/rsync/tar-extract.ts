/**
 * A streaming reader of the tar archives remote `tar -cf -` writes (ustar,
 * GNU long names, pax headers): each regular file member is hashed (SHA-256)
 * as it passes and handed to the write pool, so the network never waits for
 * one file's open or close. Large files are hashed on a worker thread (copied
 * once into shared batches), so the thread that decrypts the SSH stream does
 * not also hash a 1 GiB segment. Never creates folders; the caller picks each path.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { Writable } from 'node:stream';
import { BackgroundHasher } from '../background-hasher';
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
}

const blockSize = 512;
/** Files from this size on are hashed by the worker. */
const largeFileBytes = 16 * 1024 * 1024;
/** A large file's data goes to the worker in shared batches of this size. */
const batchBytes = 1024 * 1024;
/** Batches the worker may have waiting before the stream pauses. */
const maximumBatchesInFlight = 32;
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
  writer: FileWriter;
  /** small files: hashed on this thread */
  hash: Hash | null;
  /** large files: the worker's hash id and the batch being filled */
  hashId: number | null;
  batch: Buffer | null;
  fill: number;
}

/** Returns a Writable to pipe a tar stream into; it finishes once every member is on disk. */
export function createTarExtractor(opts: TarExtractorOptions): Writable {
  const pool = createWritePool(opts.onBytes ? { onWritten: opts.onBytes } : {});
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
  let hasher: BackgroundHasher | null = null;
  const spareBatches: Buffer[] = [];
  /** batches the worker has not finished, oldest first */
  const batchesInFlight: Promise<void>[] = [];
  /** large files' digests not yet delivered */
  const digests = new Set<Promise<unknown>>();

  const flushBatch = (file: OpenFile): void => {
    const batch = file.batch;
    const length = file.fill;
    file.batch = null;
    file.fill = 0;
    if (!batch) return;
    const hashed = hasher!.update(file.hashId!, batch.buffer as SharedArrayBuffer, length);
    batchesInFlight.push(hashed);
    void hashed.then(() => {
      batchesInFlight.splice(batchesInFlight.indexOf(hashed), 1);
      spareBatches.push(batch);
    }, () => undefined);
  };

  const hashLarge = (file: OpenFile, slice: Buffer): void => {
    for (let offset = 0; offset < slice.length;) {
      file.batch ??= spareBatches.pop() ?? Buffer.from(new SharedArrayBuffer(batchBytes));
      const taken = Math.min(batchBytes - file.fill, slice.length - offset);
      slice.copy(file.batch, file.fill, offset, offset + taken);
      file.fill += taken;
      offset += taken;
      if (file.fill === batchBytes) flushBatch(file);
    }
  };

  const finishFile = (file: OpenFile): void => {
    current = null;
    file.writer.end();
    const deliver = (sha256: string): void => opts.onFile({
      name: file.member.name,
      localPath: file.target.localPath,
      size: file.member.size,
      sha256,
      headerMtime: file.member.headerMtime,
    });
    if (file.hash) {
      const sha256 = file.hash.digest('hex');
      file.writer.done.then(() => deliver(sha256), () => {});
      return;
    }
    flushBatch(file);
    const delivered = Promise.all([file.writer.done, hasher!.digest(file.hashId!)]).then(([, sha256]) => deliver(sha256));
    digests.add(delivered);
    void delivered.finally(() => digests.delete(delivered)).catch(() => undefined);
  };

  /** Every large file's digest delivered, then the worker stopped; throws the first hashing failure. */
  const settleHashing = async (): Promise<void> => {
    try {
      while (digests.size > 0) await Promise.all([...digests]);
    } finally {
      await hasher?.close();
      hasher = null;
    }
  };

  const waitForHashing = async (): Promise<void> => {
    while (batchesInFlight.length > maximumBatchesInFlight) await batchesInFlight[0];
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
    const large = member.size >= largeFileBytes;
    current = {
      member, target, writer: pool.start(target),
      hash: large ? null : createHash('sha256'),
      hashId: large ? (hasher ??= new BackgroundHasher()).begin() : null,
      batch: null,
      fill: 0,
    };
    if (member.size === 0) finishFile(current);
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
          meta.parts.push(slice);
          if (dataLeft === 0) endMeta();
        } else if (current) {
          if (current.hash) current.hash.update(slice);
          else hashLarge(current, slice);
          current.writer.push(slice);
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
      header = header.length === 0 ? chunk.subarray(offset, offset + take) : Buffer.concat([header, chunk.subarray(offset, offset + take)]);
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

  return new Writable({
    highWaterMark: 1024 * 1024,
    writev(chunks, callback) {
      try {
        for (const { chunk } of chunks) consume(chunk as Buffer);
      } catch (error) {
        callback(error as Error);
        return;
      }
      // Backpressure only when the disk falls behind: many files are written at once meanwhile.
      Promise.all([pool.waitForRoom(), waitForHashing()]).then(() => callback(), (error: Error) => callback(error));
    },
    final(callback) {
      if (current || dataLeft > 0 || header.length > 0) {
        const truncated = new Error(`tar archive ended inside member '${current?.member.name ?? 'header'}'`);
        // Close the partial file before failing: nothing stays open behind us.
        current?.writer.end();
        current = null;
        Promise.all([pool.settle(), hasher?.close()]).then(() => callback(truncated), () => callback(truncated));
        return;
      }
      pool.settle().then(settleHashing).then(() => callback(), (error: Error) => callback(error));
    },
    destroy(error, callback) {
      current = null;
      Promise.all([pool.abort(), hasher?.close()]).then(() => callback(error), () => callback(error));
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
