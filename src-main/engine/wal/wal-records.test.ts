import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import {
  crc32c, formatPostgresTimestamp, restorePointRecordLimit, scanStraddlingRestorePoint, scanWalRestorePoints, straddlingRecordBytes,
} from './wal-records';
import {
  fixtureBlockSize as blockSize, fixtureSegmentSize as segmentSize, restorePointBody as pointBody, SegmentWriter, xlogRecord,
} from './wal-segment-fixture';

// The synthetic segments are segment 3 of 1 MiB segments on log 0: they start at 0/300000.
/** 2026-07-01T00:00:00.123456Z: 9,678 days after 2000-01-01 (26 years with 7 leap days = 9,497, then 181 to July) */
const july1 = 9678n * 86_400n * 1_000_000n + 123_456n;

test('crc32c matches the published CRC-32C check values', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  // RFC 3720, B.4: 32 bytes of zeros, of ones, incrementing, decrementing.
  assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
  assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, index) => index))), 0x46dd794e);
  assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, index) => 31 - index))), 0x113fdb5c);
  // Parts one after the other are the same as their concatenation.
  assert.equal(crc32c(Buffer.from('1234'), Buffer.from('56789')), 0xe3069283);
  assert.equal(crc32c(), 0);
});

test('a TimestampTz is microseconds since 2000-01-01 UTC', () => {
  assert.equal(formatPostgresTimestamp(0n), '2000-01-01T00:00:00.000000Z');
  assert.equal(formatPostgresTimestamp(-1n), '1999-12-31T23:59:59.999999Z');
  assert.equal(formatPostgresTimestamp(july1), '2026-07-01T00:00:00.123456Z');
  assert.equal(formatPostgresTimestamp(2n ** 62n), null, 'year 148138');
  assert.equal(formatPostgresTimestamp(2n ** 63n - 1n), null, 'beyond what a date can hold');
});

const filler = (totalLength: number): Buffer => Buffer.alloc(totalLength - 24, 0xab);
const restorePointBody = (name: string, micros = july1): Buffer => pointBody(name, micros);
const heap = 10;

test('restore points are found across pages, a continued record skipped, a bad CRC ignored', () => {
  // Pages 0 and 1 are timeline 1, later pages timeline 2 (as in the first segment of a new timeline).
  // 8,252 bytes continued from the previous segment: 8,152 fill page 0 after its long header, 100 remain on page 1.
  const writer = new SegmentWriter({ timelineOfPage: (page) => (page < 2 * blockSize ? 1 : 2), continued: 8152 + 100 });
  // page 1: 8192 + 24 + MAXALIGN(100) = 8320 = 0x2080
  assert.equal(writer.offset, 0x2080);
  writer.append(heap, 0, filler(200)); // 0x2080 + 200 = 0x2148
  writer.append(0, 0x70, restorePointBody('before-change')); // 0x2148 .. 0x21AA, aligned 0x21B0
  writer.append(heap, 0, filler(0x3ff8 - 0x21b0)); // ends at 0x3FF8, 8 bytes before page 2
  // 8 bytes of its header on page 1, the other 16 and its body after page 2's header (0x4018): ends 0x4072, aligned 0x4078
  writer.append(0, 0x70, restorePointBody('split-header'));
  writer.append(0, 0x70, restorePointBody('bad-crc'), (record) => record.writeUInt8(record.readUInt8(40) ^ 0x01, 40)); // 0x4078 .. 0x40E0
  writer.append(0, 0x70, restorePointBody('before-change', july1 + 1_000_000n)); // 0x40E0 .. 0x4142, aligned 0x4148
  writer.append(heap, 0, filler(segmentSize)); // continues into the next segment: not readable here
  assert.deepEqual(scanWalRestorePoints(writer.bytes), [
    { name: 'before-change', startLsn: 0x302148n, endLsn: 0x3021b0n, time: '2026-07-01T00:00:00.123456Z', timeline: 1 },
    { name: 'split-header', startLsn: 0x303ff8n, endLsn: 0x304078n, time: '2026-07-01T00:00:00.123456Z', timeline: 1 },
    { name: 'before-change', startLsn: 0x3040e0n, endLsn: 0x304148n, time: '2026-07-01T00:00:01.123456Z', timeline: 2 },
  ]);
});

test('a restore point whose record continues into the next segment is skipped', () => {
  const writer = new SegmentWriter();
  writer.append(heap, 0, filler(segmentSize - 40 - 127 * 24 - 48)); // leaves 48 bytes on the last page
  writer.append(0, 0x70, restorePointBody('too-late')); // 48 of its 98 bytes fit
  assert.equal(writer.offset, segmentSize);
  assert.deepEqual(scanWalRestorePoints(writer.bytes), []);
});

/** The last page of a segment: what the straddling scan reads of the previous one. */
const lastPage = (segment: Buffer): Buffer => segment.subarray(segmentSize - blockSize);

/**
 * The segment after segment 3 (4 unless told): its first page continues `record` with its last `tailBytes`
 * bytes (the rest of what segment 3 could not hold), then a whole restore point 'after'.
 */
function continuingSegment(record: Buffer, tailBytes: number, segmentNumber = 4): Buffer {
  const writer = new SegmentWriter({ segmentNumber, continued: tailBytes });
  record.copy(writer.bytes, 40, record.length - tailBytes);
  writer.append(0, 0x70, restorePointBody('after'));
  return writer.bytes;
}

test('a restore point straddling two segments is read from the last page of the one and the start of the other', () => {
  // Segment 3 holds 1,048,576 - 40 - 127 × 24 = 1,045,488 bytes of records. Leaving 200 on its last page
  // (0x3FFF38 on): 64 + 120 bytes of whole records, then a restore point at 0x3FFFF0 whose first 16 bytes fit.
  const previous = new SegmentWriter();
  previous.append(heap, 0, filler(1_045_488 - 200)); // page 127 continues 8,168 - 200 = 7,968 bytes of it
  assert.equal(previous.bytes.readUInt32LE(segmentSize - blockSize + 16), 7968);
  previous.append(heap, 0, filler(64)); // 0x3FFF38 .. 0x3FFF78
  previous.append(heap, 0, filler(120)); // 0x3FFF78 .. 0x3FFFF0
  previous.append(0, 0x70, restorePointBody('straddle')); // 0x3FFFF0: xl_tot_len, xl_xid and xl_prev on this page
  assert.equal(previous.offset, segmentSize);
  const record = xlogRecord(0, 0x70, 0x3fff78n, restorePointBody('straddle')); // the same record, whole
  assert.deepEqual(previous.bytes.subarray(segmentSize - 16), record.subarray(0, 16));
  // Its other 82 bytes open segment 4 (0/400000) after the long header: 0x400028 .. 0x40007A, aligned 0x400080.
  const next = continuingSegment(record, 82);
  assert.equal(straddlingRecordBytes(next), 82);
  assert.ok(82 < restorePointRecordLimit);
  assert.deepEqual(scanStraddlingRestorePoint(lastPage(previous.bytes), next),
    { name: 'straddle', startLsn: 0x3ffff0n, endLsn: 0x400080n, time: '2026-07-01T00:00:00.123456Z', timeline: 1 });
  // Neither segment alone holds it; segment 4's own scan finds only its whole one, after the continuation.
  assert.deepEqual(scanWalRestorePoints(previous.bytes), []);
  assert.deepEqual(scanWalRestorePoints(next).map((point) => [point.name, point.startLsn]), [['after', 0x400080n]]);

  // A last page that holds nothing but the end of a long record before it: the restore point at 0x3FFFD0 (48 bytes
  // before the end, as in the test above) is the first record on it; 50 bytes in segment 4 end at 0x400028 + 50,
  // aligned 0x400060. Its pages say timeline 2.
  const alone = new SegmentWriter({ timelineOfPage: () => 2 });
  alone.append(heap, 0, filler(1_045_488 - 48));
  alone.append(0, 0x70, restorePointBody('too-late'));
  const aloneRecord = xlogRecord(0, 0x70, 0x300028n, restorePointBody('too-late'));
  assert.deepEqual(alone.bytes.subarray(segmentSize - 48), aloneRecord.subarray(0, 48));
  assert.deepEqual(scanStraddlingRestorePoint(lastPage(alone.bytes), continuingSegment(aloneRecord, 50)),
    { name: 'too-late', startLsn: 0x3fffd0n, endLsn: 0x400060n, time: '2026-07-01T00:00:00.123456Z', timeline: 2 });
});

test('a straddling record gives none with a wrong CRC, from a page that does not precede the segment, or not a restore point', () => {
  const previous = new SegmentWriter();
  previous.append(heap, 0, filler(1_045_488 - 48));
  previous.append(0, 0x70, restorePointBody('straddle')); // 0x3FFFD0, 48 bytes here and 50 in the next segment
  const record = xlogRecord(0, 0x70, 0x300028n, restorePointBody('straddle'));
  const page = lastPage(previous.bytes);
  assert.equal(scanStraddlingRestorePoint(page, continuingSegment(record, 50))?.name, 'straddle');

  const spoiled = continuingSegment(record, 50);
  spoiled[40 + 30] = spoiled[40 + 30]! ^ 0x01; // a byte of rp_name, in the part segment 4 holds
  assert.equal(scanStraddlingRestorePoint(page, spoiled), null);
  // Segment 5 (0/500000) does not follow the page at 0/3FE000, whatever its first bytes.
  assert.equal(scanStraddlingRestorePoint(page, continuingSegment(record, 50, 5)), null);
  // A page claiming another address, as in a recycled segment.
  const moved = Buffer.from(page);
  moved.writeBigUInt64LE(0x3fc000n, 8);
  assert.equal(scanStraddlingRestorePoint(moved, continuingSegment(record, 50)), null);
  // The next segment continues a record of another length.
  const longer = Buffer.concat([record, Buffer.alloc(8)]);
  assert.equal(scanStraddlingRestorePoint(page, continuingSegment(longer, 58)), null);
  // The record crossing the boundary is not a restore point: 200 bytes left, a 300-byte record over them.
  const heapPage = new SegmentWriter();
  heapPage.append(heap, 0, filler(1_045_488 - 200));
  heapPage.append(heap, 0, filler(300));
  assert.equal(scanStraddlingRestorePoint(lastPage(heapPage.bytes), continuingSegment(xlogRecord(heap, 0, 0x300028n, filler(300)), 100)), null);
  // Written WAL that ends on the last page (zeros after it): nothing crosses.
  const ended = new SegmentWriter();
  ended.append(heap, 0, filler(1_045_488 - 200));
  assert.equal(scanStraddlingRestorePoint(lastPage(ended.bytes), continuingSegment(record, 50)), null);
});

test('only a segment whose first page continues a record has a straddling remainder', () => {
  assert.equal(straddlingRecordBytes(new SegmentWriter().bytes), null);
  assert.equal(straddlingRecordBytes(new SegmentWriter({ continued: 8152 + 100 }).bytes), 8252);
  assert.equal(straddlingRecordBytes(new SegmentWriter({ continued: 50 }).bytes), 50);
  assert.throws(() => straddlingRecordBytes(Buffer.alloc(10)), (error) => error instanceof EngineError && error.code === 'wal-invalid');
});

test('the scan ends at XLOG_SWITCH, at a zero length, and where xl_prev does not follow on', () => {
  const afterSwitch = new SegmentWriter();
  afterSwitch.append(0, 0x70, restorePointBody('kept')); // 0x28 .. 0x8A, aligned 0x90
  afterSwitch.append(0, 0x40, Buffer.alloc(0)); // XLOG_SWITCH
  afterSwitch.append(0, 0x70, restorePointBody('after-switch'));
  assert.deepEqual(scanWalRestorePoints(afterSwitch.bytes).map((point) => [point.name, point.startLsn, point.endLsn]), [['kept', 0x300028n, 0x300090n]]);

  const zero = new SegmentWriter();
  zero.append(heap, 0, filler(64));
  zero.offset += 16; // a gap of zeros where the next record's length would be
  zero.append(0, 0x70, restorePointBody('beyond-the-end'));
  assert.deepEqual(scanWalRestorePoints(zero.bytes), []);

  const stale = new SegmentWriter();
  stale.append(heap, 0, filler(64));
  stale.append(0, 0x70, restorePointBody('stale'), (record) => {
    record.writeBigUInt64LE(0x123456n, 8); // a previous record that is not the one before it
    record.writeUInt32LE(crc32c(record.subarray(24), record.subarray(0, 20)), 20);
  });
  assert.deepEqual(scanWalRestorePoints(stale.bytes), []);
});

test('a page of bytes from another place ends the scan; an overwritten continuation resumes after its page header', () => {
  const recycled = new SegmentWriter();
  recycled.append(heap, 0, filler(blockSize)); // continues on page 1
  recycled.bytes.writeBigUInt64LE(0x999000n, blockSize + 8); // page 1 claims another address
  recycled.append(0, 0x70, restorePointBody('unreachable'));
  assert.deepEqual(scanWalRestorePoints(recycled.bytes), []);

  // A record aborted on page 0 (PostgreSQL 15+): page 1 does not continue it and says XLP_FIRST_IS_OVERWRITE_CONTRECORD.
  const overwritten = new SegmentWriter();
  overwritten.append(heap, 0, filler(blockSize)); // 0x28 .. over page 1's header
  overwritten.offset = blockSize;
  overwritten.bytes.fill(0, blockSize, 2 * blockSize);
  overwritten.append(0, 0x70, restorePointBody('after-overwrite')); // page 1's header, then the record at 0x2018
  overwritten.bytes.writeUInt16LE(0x0008, blockSize + 2);
  // xl_prev of the new record names the aborted one, so the scan must not insist on it after resuming
  assert.deepEqual(scanWalRestorePoints(overwritten.bytes).map((point) => [point.name, point.startLsn]), [['after-overwrite', 0x302018n]]);
});

test('bytes that are not a complete segment are refused', () => {
  const writer = new SegmentWriter();
  const refusal = (bytes: Buffer): string => {
    try {
      scanWalRestorePoints(bytes);
    } catch (error) {
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'wal-invalid');
      return error.message;
    }
    return assert.fail('expected a refusal');
  };
  assert.match(refusal(writer.bytes.subarray(0, 8192)), /it has 8192 bytes, its header says 1048576/);
  assert.match(refusal(Buffer.alloc(segmentSize)), /unknown page magic 0x0/);
  assert.match(refusal(Buffer.alloc(10)), /it has 10 bytes/);
});
