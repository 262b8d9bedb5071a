/**
 * Synthetic WAL segments for unit tests (never imported by product code): 1 MiB
 * segments of 8 KiB pages laid out as PostgreSQL 15 writes them, a 40-byte long
 * header on the first page and a 24-byte short one on every other, records
 * 8-byte aligned and continued over page headers. Tests work out by hand where
 * each record lands; this only writes the bytes.
 */
import { crc32c } from './wal-records';

export const fixtureSegmentSize = 1024 * 1024;
export const fixtureBlockSize = 8192;

/** An XLogRecord: the 24-byte header (xl_crc over the body, then the header up to xl_crc) and its body. */
export function xlogRecord(rmid: number, info: number, prev: bigint, body: Buffer): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(24 + body.length, 0);
  header.writeBigUInt64LE(prev, 8);
  header.writeUInt8(info, 16);
  header.writeUInt8(rmid, 17);
  header.writeUInt32LE(crc32c(body, header.subarray(0, 20)), 20);
  return Buffer.concat([header, body]);
}

/** XLR_BLOCK_ID_DATA_SHORT, 72, then xl_restore_point { int64 rp_time; char rp_name[64] }: 98 bytes with the header. */
export function restorePointBody(name: string, micros: bigint): Buffer {
  const data = Buffer.alloc(2 + 8 + 64);
  data.writeUInt8(255, 0);
  data.writeUInt8(72, 1);
  data.writeBigInt64LE(micros, 2);
  data.write(name, 10, 'utf8');
  return data;
}

export interface SegmentWriterOptions {
  /** the segment's number (its start is number × 1 MiB); default 3 */
  segmentNumber?: number;
  /** xlp_tli of each page; default 1 */
  timelineOfPage?: (pageOffset: number) => number;
  /** bytes of a record from the previous segment that open this one */
  continued?: number;
}

/** Writes records one after the other from the first page on; `offset` is where the next one goes. */
export class SegmentWriter {
  readonly bytes = Buffer.alloc(fixtureSegmentSize);
  readonly segmentStart: bigint;
  offset = 0;
  private prev: bigint;
  private readonly timelineOfPage: (pageOffset: number) => number;

  constructor(options: SegmentWriterOptions = {}) {
    this.segmentStart = BigInt(options.segmentNumber ?? 3) * BigInt(fixtureSegmentSize);
    this.prev = this.segmentStart - 16n;
    this.timelineOfPage = options.timelineOfPage ?? (() => 1);
    const continued = options.continued ?? 0;
    this.pageHeader(continued);
    this.put(Buffer.alloc(continued, 0xcd));
    this.offset = (this.offset + 7) & ~7;
  }

  /** Appends a record; `spoil` may change its bytes after the CRC was computed. */
  append(rmid: number, info: number, body: Buffer, spoil?: (record: Buffer) => void): void {
    const record = xlogRecord(rmid, info, this.prev, body);
    spoil?.(record);
    if (this.offset % fixtureBlockSize === 0) this.pageHeader(0);
    this.prev = this.segmentStart + BigInt(this.offset);
    this.put(record);
    this.offset = (this.offset + 7) & ~7;
  }

  /** The bytes of one record over page headers: each page it continues on says how many are left (xlp_rem_len). */
  private put(data: Buffer): void {
    for (let done = 0; done < data.length && this.offset < fixtureSegmentSize;) {
      if (this.offset % fixtureBlockSize === 0) this.pageHeader(data.length - done);
      const here = Math.min(data.length - done, fixtureBlockSize - (this.offset % fixtureBlockSize));
      data.copy(this.bytes, this.offset, done, done + here);
      [done, this.offset] = [done + here, this.offset + here];
    }
  }

  private pageHeader(remaining: number): void {
    const page = this.offset;
    this.bytes.writeUInt16LE(0xd110, page);
    this.bytes.writeUInt16LE((page === 0 ? 0x0002 : 0) | (remaining > 0 ? 0x0001 : 0), page + 2);
    this.bytes.writeUInt32LE(this.timelineOfPage(page), page + 4);
    this.bytes.writeBigUInt64LE(this.segmentStart + BigInt(page), page + 8);
    this.bytes.writeUInt32LE(remaining, page + 16);
    if (page === 0) {
      this.bytes.writeBigUInt64LE(7312345678901234567n, 24);
      this.bytes.writeUInt32LE(fixtureSegmentSize, 32);
      this.bytes.writeUInt32LE(fixtureBlockSize, 36);
    }
    this.offset += page === 0 ? 40 : 24;
  }
}
