import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import { readWalSegmentHeader, validateWalSegment, walLongHeaderBytes } from './segment-header';

const mib = 1024 * 1024;
const systemId = '7312345678901234567';

/** The first page's long header (XLogLongPageHeaderData) of a PostgreSQL 15 segment; fields can be spoilt. */
function buildHeader(opts: { timeline?: number; address?: bigint; segmentSize?: number; magic?: number; info?: number; systemId?: string } = {}): Buffer {
  const page = Buffer.alloc(walLongHeaderBytes);
  page.writeUInt16LE(opts.magic ?? 0xd110, 0);
  page.writeUInt16LE(opts.info ?? 0x0002, 2);
  page.writeUInt32LE(opts.timeline ?? 1, 4);
  page.writeBigUInt64LE(opts.address ?? 0n, 8);
  page.writeBigUInt64LE(BigInt(opts.systemId ?? systemId), 24);
  page.writeUInt32LE(opts.segmentSize ?? 16 * mib, 32);
  page.writeUInt32LE(8192, 36);
  return page;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, 'wal-invalid');
    return error.message;
  }
  assert.fail('expected a wal-invalid refusal');
}

test('a header matching its name is accepted and read back', () => {
  // log 1, segment 0x2A of 16 MiB segments: address (1 × 256 + 42) × 16 MiB
  const address = (256n + 42n) * 16n * BigInt(mib);
  const header = validateWalSegment('00000003000000010000002A', buildHeader({ timeline: 3, address }), 16 * mib, systemId);
  assert.deepEqual(header, { magic: 0xd110, pgMajor: '15', timeline: 3, pageAddress: address, systemId, segmentSize: 16 * mib, blockSize: 8192 });
  assert.equal(readWalSegmentHeader(buildHeader({ magic: 0xd113 })).pgMajor, '16');
});

test('segment numbering follows the segment size: 64 segments per log with 64 MiB segments', () => {
  const address = (2n * 64n + 63n) * 64n * BigInt(mib);
  validateWalSegment('00000001000000020000003F', buildHeader({ address, segmentSize: 64 * mib }), 64 * mib, null);
  assert.match(refusal(() => validateWalSegment('000000010000000200000040', buildHeader({ address: (2n * 64n + 64n) * 64n * BigInt(mib), segmentSize: 64 * mib }), 64 * mib, null)),
    /segment number 64 does not exist with 67108864-byte segments/);
});

test('the first segment of a new timeline may carry its parent timeline in the first page', () => {
  const address = 3n * 16n * BigInt(mib);
  validateWalSegment('000000020000000000000003', buildHeader({ timeline: 1, address }), 16 * mib, systemId);
  assert.match(refusal(() => validateWalSegment('000000020000000000000003', buildHeader({ timeline: 3, address }), 16 * mib, systemId)),
    /header says timeline 3, its name timeline 2/);
  assert.match(refusal(() => validateWalSegment('000000020000000000000003', buildHeader({ timeline: 0, address }), 16 * mib, systemId)), /timeline 0/);
});

test('each spoilt field is named in the refusal', () => {
  const name = '000000010000000000000005';
  const address = 5n * 16n * BigInt(mib);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address, magic: 0x1234 }), 16 * mib, null)), /unknown page magic 0x1234/);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address, info: 0 }), 16 * mib, null)), /no long header/);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address: address + 16n * BigInt(mib) }), 16 * mib, null)), /page address 0x6000000 does not match/);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address }), 16 * mib - 1, null)), /has 16777215 bytes, its header says 16777216/);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address, segmentSize: 3 * mib }), 3 * mib, null)), /invalid segment size 3145728/);
  assert.match(refusal(() => validateWalSegment(name, buildHeader({ address, systemId: '42' }), 16 * mib, systemId)),
    /belongs to system 42, this server's archive to system 7312345678901234567/);
});

test('names that are not whole segments, and short pages, are refused', () => {
  assert.match(refusal(() => validateWalSegment('000000010000000000000005.partial', buildHeader(), 16 * mib, null)), /not a WAL segment name/);
  assert.match(refusal(() => validateWalSegment('00000002.history', buildHeader(), 16 * mib, null)), /not a WAL segment name/);
  assert.match(refusal(() => validateWalSegment('000000010000000000000000', Buffer.from('garbage'), 7, null)),
    /^wal segment '000000010000000000000000' is refused: it has 7 bytes, too few for a page header$/);
  assert.match(refusal(() => readWalSegmentHeader(Buffer.alloc(12))), /40-byte header; got 12 bytes/);
});
