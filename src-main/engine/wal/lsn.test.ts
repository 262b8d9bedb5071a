import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineError } from '../../../shared/errors';
import {
  floorToSegment, formatLsn, formatSegmentName, historyFileName, isValidSegmentSize, parseLsn, parseSizeSetting,
  segmentNumberFromName, segmentNumberOf, segmentOffsetOf, segmentStartLsn,
} from './lsn';
import { parseWalFileName } from './segment-name';

const mib16 = 16 * 1024 * 1024;

test('LSN text and bigint convert both ways, as PostgreSQL prints them', () => {
  assert.equal(parseLsn('16/B374D848'), 0x16b374d848n);
  assert.equal(parseLsn('0/0'), 0n);
  assert.equal(parseLsn('ffffffff/ffffffff'), 0xffff_ffff_ffff_ffffn);
  assert.equal(formatLsn(0x16b374d848n), '16/B374D848');
  assert.equal(formatLsn(0n), '0/0');
  assert.equal(formatLsn(0x1000000n), '0/1000000');
  for (const text of ['0/1741548', 'A/0', '1/FFFFFFFF']) assert.equal(formatLsn(parseLsn(text)), text);
});

test('a malformed LSN is an invalid-input error naming it', () => {
  for (const text of ['', '0', '0/', '/1', '1/2/3', '123456789/0', 'g/0', '0x1/0']) {
    assert.throws(() => parseLsn(text), (error: unknown) => error instanceof EngineError && error.code === 'invalid-input' && error.message.includes(`'${text}'`), text);
  }
});

test('segment arithmetic matches XLByteToSeg and XLogFileName', () => {
  const lsn = parseLsn('1/2A0000F0');
  assert.equal(segmentNumberOf(lsn, mib16), 0x100n + 0x2an);
  assert.equal(segmentOffsetOf(lsn, mib16), 0xf0);
  assert.equal(floorToSegment(lsn, mib16), parseLsn('1/2A000000'));
  assert.equal(segmentStartLsn(segmentNumberOf(lsn, mib16), mib16), parseLsn('1/2A000000'));
  assert.equal(formatSegmentName(1, segmentNumberOf(lsn, mib16), mib16), '00000001000000010000002A');
  assert.equal(formatSegmentName(3, segmentNumberOf(parseLsn('0/1741548'), mib16), mib16), '000000030000000000000001');
  // 1 MiB segments: 4096 per log file, so the low part has three hex digits in use.
  const mib1 = 1024 * 1024;
  assert.equal(formatSegmentName(1, segmentNumberOf(parseLsn('2/FFF00000'), mib1), mib1), '000000010000000200000FFF');
});

test('a segment name parses back to its segment number', () => {
  for (const size of [1024 * 1024, mib16, 1024 * 1024 * 1024]) {
    for (const number of [0n, 1n, 255n, 256n, 4095n, 4096n, 123456n]) {
      const parsed = parseWalFileName(formatSegmentName(7, number, size));
      assert.ok(parsed?.kind === 'segment');
      assert.equal(segmentNumberFromName(parsed.log, parsed.segment, size), number);
      assert.equal(parsed.timeline, 7);
    }
  }
});

test('history file names and segment sizes', () => {
  assert.equal(historyFileName(2), '00000002.history');
  assert.equal(historyFileName(0x1a), '0000001A.history');
  assert.ok(isValidSegmentSize(mib16));
  assert.ok(isValidSegmentSize(1024 * 1024 * 1024));
  assert.ok(!isValidSegmentSize(512 * 1024));
  assert.ok(!isValidSegmentSize(3 * 1024 * 1024));
  assert.equal(parseSizeSetting('16MB'), mib16);
  assert.equal(parseSizeSetting('1GB'), 1024 ** 3);
  assert.equal(parseSizeSetting('1048576'), 1024 * 1024);
  assert.throws(() => parseSizeSetting('16 parsecs'), /not a size/);
});
