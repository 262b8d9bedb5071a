/**
 * Reads the records of one complete WAL segment (PostgreSQL 13-18 page and
 * record format) far enough to find its restore points: it jumps from record
 * header to record header across pages, reads the bytes of XLOG_RESTORE_POINT
 * records only, and keeps those whose CRC-32C is right. Pure: bytes in,
 * restore points out; no I/O and no catalog (restore-points.ts records them).
 * A restore point whose record starts on the last page of one segment and ends
 * in the next is read from that page and the next segment together.
 */
import { EngineError } from '../../../shared/errors';
import { walLongHeaderBytes, walPageMagics } from './segment-header';

/** A restore point record (pg_create_restore_point) found in a segment. */
export interface WalRestorePoint {
  name: string;
  /** where its record starts */
  startLsn: bigint;
  /** where its record ends, aligned as PostgreSQL reports it: what pg_create_restore_point() returned */
  endLsn: bigint;
  /** rp_time, ISO 8601 UTC with microseconds */
  time: string;
  /** xlp_tli of the page the record starts on */
  timeline: number;
}

// src/include/access/xlog_internal.h, xlogrecord.h, rmgrlist.h, pg_control.h
const shortPageHeaderBytes = 24; // MAXALIGN(sizeof(XLogPageHeaderData))
const recordHeaderBytes = 24; // sizeof(XLogRecord)
const crcOffset = 20; // offsetof(XLogRecord, xl_crc)
const xlpFirstIsContRecord = 0x0001;
const xlpLongHeader = 0x0002;
const xlpFirstIsOverwriteContRecord = 0x0008;
const rmXlogId = 0;
const xlogSwitch = 0x40;
const xlogRestorePoint = 0x70;
const blockIdDataShort = 255;
const blockIdDataLong = 254;
const blockIdOrigin = 253;
const blockIdToplevelXid = 252;
const restorePointNameBytes = 64; // MAXFNAMELEN
const postgresEpochMicros = 946_684_800_000_000n; // 2000-01-01T00:00:00Z in microseconds since 1970

const maxAlign = (offset: number): number => (offset + 7) & ~7;

/**
 * Every XLOG_RESTORE_POINT record is shorter than this: its header (24 bytes), a short data block header (2)
 * and xl_restore_point (72) make 98 bytes; a replication origin (3) and a top-level xid (5) would make 106.
 * So a segment continuing a record from the previous one can end a restore point only when fewer bytes remain.
 */
export const restorePointRecordLimit = 128;

interface PageHeader {
  info: number;
  timeline: number;
  remainingBytes: number;
}

/** Where a run of record bytes that starts at an offset ends, or why it cannot be followed. */
type Walk = { end: number } | { stop: 'next-segment' } | { stop: 'broken'; resumeAt: number | null };

/**
 * The restore points whose records lie whole in `segment`. Throws 'wal-invalid'
 * when the bytes are not a complete segment; inside one, the scan ends quietly
 * at the end of the written WAL (a zero length, an XLOG_SWITCH, a page or record
 * header that does not follow on), since what lies beyond is not WAL.
 */
export function scanWalRestorePoints(segment: Buffer): WalRestorePoint[] {
  const layout = readSegmentLayout(segment);
  const { blockSize, segmentSize, segmentStart } = layout;
  const pageHeaderAt = (pageOffset: number): PageHeader | null => readPageHeader(segment, layout, pageOffset);

  /**
   * Follows the first `wanted` bytes of a record of `totalLength` bytes from `start`, over the short header of
   * each page it continues on. A page that does not say it continues this record (xlp_rem_len) ends the walk.
   */
  const walk = (start: number, totalLength: number, wanted: number, collect?: Buffer[]): Walk => {
    let position = start;
    let consumed = 0;
    for (;;) {
      const pageEnd = position - (position % blockSize) + blockSize;
      const here = Math.min(wanted - consumed, pageEnd - position);
      collect?.push(segment.subarray(position, position + here));
      consumed += here;
      if (consumed === wanted) return { end: position + here };
      if (pageEnd >= segmentSize) return { stop: 'next-segment' };
      const page = pageHeaderAt(pageEnd);
      if (page === null || (page.info & xlpFirstIsContRecord) === 0 || page.remainingBytes !== totalLength - consumed) {
        // PostgreSQL 15+ marks a page whose first record replaced an aborted, never-finished one.
        const resumeAt = page !== null && (page.info & xlpFirstIsOverwriteContRecord) !== 0 ? pageEnd + shortPageHeaderBytes : null;
        return { stop: 'broken', resumeAt };
      }
      position = pageEnd + shortPageHeaderBytes;
    }
  };

  // A segment never straddles a 4 GiB boundary: an LSN in it is its high half and a low half below 2^32.
  const startHigh = Number(segmentStart >> 32n);
  const startLow = Number(segmentStart & 0xffff_ffffn);
  const points: WalRestorePoint[] = [];
  let position = firstRecordOffset(segment, layout, pageHeaderAt);
  let previous = -1; // where the previous record started in this segment; -1: not known
  while (position !== null && position < segmentSize) {
    if (position % blockSize === 0) {
      const page = pageHeaderAt(position);
      // A record was expected here; a page continuing one means the walk lost its way.
      if (page === null || (page.info & xlpFirstIsContRecord) !== 0) break;
      position += shortPageHeaderBytes;
    }
    const start = position;
    const pageEnd = start - (start % blockSize) + blockSize;
    // 8-byte alignment keeps xl_tot_len on the record's first page; the rest of the header may be on the next.
    const totalLength = segment.readUInt32LE(start);
    if (totalLength < recordHeaderBytes) break; // 0: the end of the written WAL
    // Most records lie whole on one page: their header is read in place, without copying.
    let [header, at] = [segment, start];
    if (start + recordHeaderBytes > pageEnd) {
      const parts: Buffer[] = [];
      const headerWalk = walk(start, totalLength, recordHeaderBytes, parts);
      if ('stop' in headerWalk) {
        [position, previous] = [resumePosition(headerWalk), -1];
        continue;
      }
      [header, at] = [Buffer.concat(parts), 0];
    }
    // xl_prev must name the record before: otherwise these are stale bytes of a recycled segment.
    if (previous >= 0 && (header.readUInt32LE(at + 8) !== startLow + previous || header.readUInt32LE(at + 12) !== startHigh)) break;
    const isXlog = header[at + 17] === rmXlogId;
    const kind = header[at + 16]! & 0xf0;
    const recordParts = isXlog && kind === xlogRestorePoint ? [] as Buffer[] : undefined;
    let end = start + totalLength;
    if (recordParts || end > pageEnd) {
      const recordWalk = walk(start, totalLength, totalLength, recordParts);
      if ('stop' in recordWalk) {
        [position, previous] = [resumePosition(recordWalk), -1];
        continue;
      }
      end = recordWalk.end;
    }
    if (recordParts) {
      const point = readRestorePoint(Buffer.concat(recordParts));
      const timeline = pageHeaderAt(start - (start % blockSize))!.timeline;
      if (point) points.push({ ...point, startLsn: segmentStart + BigInt(start), endLsn: segmentStart + BigInt(maxAlign(end)), timeline });
    }
    if (isXlog && kind === xlogSwitch) break; // the rest of the segment is unused
    previous = start;
    position = maxAlign(end);
  }
  return points;
}

/**
 * How many bytes of a record continued from the previous segment open `segment` (its first page's
 * xlp_rem_len when XLP_FIRST_IS_CONTRECORD), or null when no record runs into it. Throws 'wal-invalid'
 * as scanWalRestorePoints does.
 */
export function straddlingRecordBytes(segment: Buffer): number | null {
  const layout = readSegmentLayout(segment);
  const first = readPageHeader(segment, layout, 0);
  return first !== null && (first.info & xlpFirstIsContRecord) !== 0 ? first.remainingBytes : null;
}

/**
 * The restore point whose record starts on `previousLastPage`, the last page of the segment before
 * `segment`, and ends on `segment`'s first page (which scanWalRestorePoints skips in both), or null when
 * the record crossing that boundary is not one (or the bytes do not make a whole record with a right CRC).
 * Its end is in `segment`, where PostgreSQL reports it; its timeline is the previous page's xlp_tli. The head
 * and the tail are joined as XLogReadRecord (xlogreader.c) joins a record over a page boundary. Throws 'wal-invalid' when `segment` is not a complete segment.
 */
export function scanStraddlingRestorePoint(previousLastPage: Buffer, segment: Buffer): WalRestorePoint | null {
  const layout = readSegmentLayout(segment);
  const tailBytes = straddlingRecordBytes(segment);
  // The rest of a restore point record lies whole on the first page, after its long header.
  if (tailBytes === null || walLongHeaderBytes + tailBytes > layout.blockSize) return null;
  const head = readCrossingRecordHead(previousLastPage, layout);
  if (head === null || head.bytes.length + tailBytes !== head.totalLength) return null;
  const record = Buffer.concat([head.bytes, segment.subarray(walLongHeaderBytes, walLongHeaderBytes + tailBytes)]);
  if (record[17] !== rmXlogId || (record[16]! & 0xf0) !== xlogRestorePoint) return null;
  if (head.previousStart !== null && record.readBigUInt64LE(8) !== head.previousStart) return null;
  const point = readRestorePoint(record);
  if (point === null) return null;
  return {
    ...point,
    startLsn: head.startLsn,
    endLsn: layout.segmentStart + BigInt(maxAlign(walLongHeaderBytes + tailBytes)),
    timeline: previousLastPage.readUInt32LE(4),
  };
}

/** The first bytes of the record that runs over the end of a page: where it starts, its length, and where the record before it started when known. */
interface CrossingRecordHead {
  startLsn: bigint;
  totalLength: number;
  bytes: Buffer;
  previousStart: bigint | null;
}

/**
 * Walks the whole records of the page just before `layout`'s segment to the one that runs over its end. The page
 * must be the one before (the segment's magic, xlp_pageaddr one block before it); its first record starts after
 * the rest of one continued from the page before (xlp_rem_len), if any. A zero length or an XLOG_SWITCH ends the
 * written WAL on it, and a record whose xl_prev does not name the one before is stale bytes: then none.
 */
function readCrossingRecordHead(page: Buffer, layout: SegmentLayout): CrossingRecordHead | null {
  const { blockSize, magic, segmentStart } = layout;
  if (page.length !== blockSize || page.readUInt16LE(0) !== magic) return null;
  const pageAddress = page.readBigUInt64LE(8);
  if (pageAddress + BigInt(blockSize) !== segmentStart) return null;
  const info = page.readUInt16LE(2);
  if ((info & xlpLongHeader) !== 0) return null;
  let position = shortPageHeaderBytes + ((info & xlpFirstIsContRecord) !== 0 ? maxAlign(page.readUInt32LE(16)) : 0);
  let previous: bigint | null = null;
  // 8-byte alignment leaves at least 8 bytes of each record on the page: xl_tot_len is always here.
  while (position < blockSize) {
    const startLsn = pageAddress + BigInt(position);
    const totalLength = page.readUInt32LE(position);
    if (totalLength < recordHeaderBytes) return null;
    if (position + totalLength > blockSize) return { startLsn, totalLength, bytes: page.subarray(position), previousStart: previous };
    if (previous !== null && page.readBigUInt64LE(position + 8) !== previous) return null;
    if (page[position + 17] === rmXlogId && (page[position + 16]! & 0xf0) === xlogSwitch) return null;
    previous = startLsn;
    position = maxAlign(position + totalLength);
  }
  return null;
}

/**
 * Where the scan goes on after a record it could not follow: nowhere when it continues into the next
 * segment (it cannot be read from this one: scanStraddlingRestorePoint reads a restore point there with the
 * next segment) or when the WAL stops making sense; after the page header when PostgreSQL overwrote it.
 */
function resumePosition(walk: Exclude<Walk, { end: number }>): number | null {
  return walk.stop === 'broken' ? walk.resumeAt : null;
}

interface SegmentLayout {
  magic: number;
  blockSize: number;
  segmentSize: number;
  segmentStart: bigint;
}

function readSegmentLayout(segment: Buffer): SegmentLayout {
  const refuse = (problem: string): never => {
    throw new EngineError('wal-invalid', `the wal segment cannot be scanned for records: ${problem}`, 'only a complete, uncompressed segment can be scanned');
  };
  if (segment.length < walLongHeaderBytes) refuse(`it has ${segment.length} bytes`);
  const magic = segment.readUInt16LE(0);
  if (!walPageMagics.has(magic)) refuse(`unknown page magic 0x${magic.toString(16)}`);
  if ((segment.readUInt16LE(2) & xlpLongHeader) === 0) refuse('its first page has no long header');
  const segmentSize = segment.readUInt32LE(32);
  const blockSize = segment.readUInt32LE(36);
  if (segmentSize !== segment.length) refuse(`it has ${segment.length} bytes, its header says ${segmentSize}`);
  if (blockSize < 1024 || (blockSize & (blockSize - 1)) !== 0 || segmentSize % blockSize !== 0) refuse(`its header has an invalid block size ${blockSize}`);
  return { magic, blockSize, segmentSize, segmentStart: segment.readBigUInt64LE(8) };
}

/** A page header that belongs here (the segment's magic, this page's address), or null. */
function readPageHeader(segment: Buffer, layout: SegmentLayout, pageOffset: number): PageHeader | null {
  if (segment.readUInt16LE(pageOffset) !== layout.magic) return null;
  if (segment.readBigUInt64LE(pageOffset + 8) !== layout.segmentStart + BigInt(pageOffset)) return null;
  const info = segment.readUInt16LE(pageOffset + 2);
  if (((info & xlpLongHeader) !== 0) !== (pageOffset === 0)) return null;
  return { info, timeline: segment.readUInt32LE(pageOffset + 4), remainingBytes: segment.readUInt32LE(pageOffset + 16) };
}

/**
 * Where the first record that starts in this segment begins: after the rest of a record continued
 * from the previous segment, which may itself span pages (as XLogFindNextRecord skips it).
 */
function firstRecordOffset(segment: Buffer, layout: SegmentLayout, pageHeaderAt: (offset: number) => PageHeader | null): number | null {
  for (let page = 0; page < layout.segmentSize; page += layout.blockSize) {
    const header = pageHeaderAt(page);
    if (header === null) return null;
    const headerBytes = page === 0 ? walLongHeaderBytes : shortPageHeaderBytes;
    if ((header.info & xlpFirstIsContRecord) === 0) return page + headerBytes;
    if (maxAlign(header.remainingBytes) < layout.blockSize - headerBytes) return page + headerBytes + maxAlign(header.remainingBytes);
  }
  return null;
}

/**
 * The name and time of a whole XLOG_RESTORE_POINT record (header included), or null when its
 * CRC-32C is wrong or its main data is not an xl_restore_point, so garbage never becomes one.
 */
function readRestorePoint(record: Buffer): { name: string; time: string } | null {
  const stored = record.readUInt32LE(crcOffset);
  if (crc32c(record.subarray(recordHeaderBytes), record.subarray(0, crcOffset)) !== stored) return null;
  let offset = recordHeaderBytes;
  let dataLength = -1;
  while (offset < record.length && dataLength < 0) {
    const blockId = record[offset]!;
    if (blockId === blockIdDataShort && offset + 2 <= record.length) [dataLength, offset] = [record[offset + 1]!, offset + 2];
    else if (blockId === blockIdDataLong && offset + 5 <= record.length) [dataLength, offset] = [record.readUInt32LE(offset + 1), offset + 5];
    else if (blockId === blockIdOrigin) offset += 3;
    else if (blockId === blockIdToplevelXid) offset += 5;
    else return null; // a block reference: not the shape of a restore point
  }
  if (dataLength < 9 || offset + dataLength > record.length) return null;
  const nameBytes = record.subarray(offset + 8, offset + Math.min(dataLength, 8 + restorePointNameBytes));
  const end = nameBytes.indexOf(0);
  if (end < 0) return null;
  const time = formatPostgresTimestamp(record.readBigInt64LE(offset));
  return time === null ? null : { name: nameBytes.subarray(0, end).toString('utf8'), time };
}

/** A TimestampTz (microseconds since 2000-01-01 UTC) as ISO 8601 with microseconds, or null outside the years 1-9999. */
export function formatPostgresTimestamp(micros: bigint): string | null {
  const unixMicros = micros + postgresEpochMicros;
  const fraction = ((unixMicros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const date = new Date(Number((unixMicros - fraction) / 1000n));
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) return null;
  return `${date.toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
}

const crc32cTable = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli, as PostgreSQL's pg_crc32c) of the parts one after the other. */
export function crc32c(...parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const part of parts) {
    for (let index = 0; index < part.length; index += 1) crc = crc32cTable[(crc ^ part[index]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
