import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWalFileName, splitCompressionSuffix, walArchiveFolder } from './segment-name';

test('a segment name splits into timeline, log and segment', () => {
  assert.deepEqual(parseWalFileName('0000000200000001000000FE'), {
    kind: 'segment', name: '0000000200000001000000FE', timeline: 2, log: 1, segment: 0xfe, partial: false,
  });
  assert.equal(walArchiveFolder('0000000200000001000000FE'), '0000000200000001');
});

test('partial segments, history files and backup labels are recognised', () => {
  assert.equal(parseWalFileName('000000010000000000000003.partial')?.kind, 'segment');
  assert.deepEqual(parseWalFileName('0000000A.history'), { kind: 'history', name: '0000000A.history', timeline: 10 });
  assert.equal(parseWalFileName('000000010000000000000002.00000028.backup')?.kind, 'backup-label');
});

test('anything else is not a WAL file', () => {
  for (const name of ['00000001000000000000000', '00000001000000000000000g', 'backup.json', '.tmp', '0000000X.history']) {
    assert.equal(parseWalFileName(name), null, name);
  }
});

test('compression suffixes are split off', () => {
  assert.deepEqual(splitCompressionSuffix('000000010000000000000001.gz'), { name: '000000010000000000000001', compression: 'gzip' });
  assert.deepEqual(splitCompressionSuffix('000000010000000000000001.zst'), { name: '000000010000000000000001', compression: 'zstd' });
  assert.deepEqual(splitCompressionSuffix('00000002.history'), { name: '00000002.history', compression: null });
});
