import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import { crc32c, formatPostgresTimestamp, scanWalRestorePoints } from './wal-records';
import { fixtureBlockSize as blockSize, fixtureSegmentSize as segmentSize, restorePointBody as pointBody, SegmentWriter } from './wal-segment-fixture';

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
