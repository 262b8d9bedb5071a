import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Catalog } from '../catalog/catalog';
import { findRestorePoints, listRestorePoints } from '../catalog/restore-point-queries';
import { deleteWalSegmentRows } from '../catalog/wal-queries';
import { archiveWalBytes, indexArchivedWal, type WalArchiveTarget } from './archive-store';
import type { WalCompression } from './compression';
import { scanArchivedRestorePoints } from './restore-points';
import { restorePointBody, SegmentWriter, xlogRecord } from './wal-segment-fixture';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-restore-points-'));
after(() => rmSync(root, { recursive: true, force: true }));
let archives = 0;

/** A fresh archive of server 'pg' with its own catalog, in a folder of its own under `root`. */
function makeArchive(compression: WalCompression): { target: WalArchiveTarget; catalog: Catalog } {
  archives += 1;
  const folder = path.join(root, `archive-${archives}`);
  const catalog = Catalog.open(path.join(folder, 'catalog.db'));
  after(() => catalog.close());
  return { catalog, target: { server: 'pg', compression, walsDirectory: path.join(folder, 'wals'), errorsDirectory: path.join(folder, 'errors') } };
}

/** Segment 3 (0/300000) with two restore points: at 0x28 (98 bytes, aligned end 0x90) and at 0x90 (end 0xF8). */
function segmentWithTwoPoints(first: string, second: string, options: ConstructorParameters<typeof SegmentWriter>[0] = {}): Buffer {
  const writer = new SegmentWriter(options);
  writer.append(0, 0x70, restorePointBody(first, 0n));
  writer.append(0, 0x70, restorePointBody(second, 1_500_000n));
  return writer.bytes;
}

for (const compression of ['none', 'gzip', 'zstd'] as const) {
  test(`a segment archived ${compression === 'none' ? 'plain' : `with ${compression}`} has its restore points recorded from its raw bytes`, () => {
    const { target, catalog } = makeArchive(compression);
    archiveWalBytes(target, '000000010000000000000003', segmentWithTwoPoints('before-change', 'after-change'), catalog);
    assert.deepEqual(listRestorePoints(catalog, 'pg'), [
      { name: 'before-change', time: '2000-01-01T00:00:00.000000Z', timeline: 1, startLsn: '0/300028', endLsn: '0/300090', segment: '000000010000000000000003' },
      { name: 'after-change', time: '2000-01-01T00:00:01.500000Z', timeline: 1, startLsn: '0/300090', endLsn: '0/3000F8', segment: '000000010000000000000003' },
    ]);
  });
}

test('bytes that are not a whole segment are archived all the same and hold no restore point', () => {
  const { target, catalog } = makeArchive('gzip');
  const stored = archiveWalBytes(target, '000000010000000000000004', Buffer.alloc(1024 * 1024, 7), catalog);
  assert.equal(stored.outcome, 'stored');
  archiveWalBytes(target, '000000010000000000000005', segmentWithTwoPoints('a', 'b').subarray(0, 8192), catalog);
  assert.deepEqual(listRestorePoints(catalog, 'pg'), []);
  assert.equal(catalog.db.prepare('SELECT COUNT(*) FROM wal_segments').pluck().get(), 2);
});

test('a segment linked into the archive uncompressed is read back for its restore points', () => {
  const { target, catalog } = makeArchive('none');
  const folder = path.join(target.walsDirectory, '0000000100000000');
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, '000000010000000000000003'), segmentWithTwoPoints('x', 'y'));
  indexArchivedWal(catalog, 'pg', path.join(folder, '000000010000000000000003'));
  assert.deepEqual(listRestorePoints(catalog, 'pg').map((point) => point.name), ['x', 'y']);
});

test('a name made twice is kept twice; WAL deleted by retention takes its restore points with it', () => {
  const { target, catalog } = makeArchive('zstd');
  archiveWalBytes(target, '000000010000000000000003', segmentWithTwoPoints('daily', 'other'), catalog);
  // Segment 4 starts at 0/400000: its restore points at 0/400028 and 0/400090.
  archiveWalBytes(target, '000000010000000000000004', segmentWithTwoPoints('daily', 'last', { segmentNumber: 4 }), catalog);
  assert.deepEqual(findRestorePoints(catalog, 'pg', 'daily').map((point) => [point.startLsn, point.segment]), [
    ['0/300028', '000000010000000000000003'],
    ['0/400028', '000000010000000000000004'],
  ]);
  deleteWalSegmentRows(catalog, 'pg', ['000000010000000000000003']);
  assert.deepEqual(listRestorePoints(catalog, 'pg').map((point) => [point.name, point.startLsn]), [['daily', '0/400028'], ['last', '0/400090']]);
});

test('on the page where a timeline began, a restore point after the switch belongs to the new timeline', () => {
  const { target, catalog } = makeArchive('none');
  // Timeline 2 branched off 1 at 0/300090: the page keeps timeline 1's header, so both records read xlp_tli 1.
  mkdirSync(target.walsDirectory, { recursive: true });
  writeFileSync(path.join(target.walsDirectory, '00000002.history'), '1\t0/300090\tno recovery target specified\n');
  archiveWalBytes(target, '000000020000000000000003', segmentWithTwoPoints('on-parent', 'on-child'), catalog);
  assert.deepEqual(listRestorePoints(catalog, 'pg').map((point) => [point.name, point.timeline]), [['on-parent', 1], ['on-child', 2]]);
});

test('scanning the whole archive reads compressed segments and passes over what it cannot read', () => {
  const { target } = makeArchive('gzip');
  archiveWalBytes(target, '000000010000000000000003', segmentWithTwoPoints('p', 'q'), null);
  archiveWalBytes({ ...target, compression: 'zstd' }, '000000010000000000000004', segmentWithTwoPoints('r', 's', { segmentNumber: 4 }), null);
  const folder = path.join(target.walsDirectory, '0000000100000000');
  writeFileSync(path.join(folder, '000000010000000000000005.gz'), 'not gzip');
  writeFileSync(path.join(folder, '000000010000000000000006.partial'), segmentWithTwoPoints('partial', 'partial', { segmentNumber: 6 }));
  assert.deepEqual(scanArchivedRestorePoints(target.walsDirectory).map((point) => `${point.name}@${point.startLsn}`), ['p@0/300028', 'q@0/300090', 'r@0/400028', 's@0/400090']);
  assert.deepEqual(scanArchivedRestorePoints(path.join(target.walsDirectory, 'missing')), []);
});

/**
 * Segments 3 and 4 with a restore point straddling them: segment 3's 1,045,488 bytes of records (1 MiB less the
 * long header and 127 short ones) leave 48 on its last page to the restore point at 0/3FFFD0; its other 50 bytes
 * open segment 4 after the long header, ending at 0/400028 + 50, aligned 0/400060. Then 'after' at 0/400060 (end 0/4000C8).
 */
function straddlingPair(name: string): { previous: Buffer; next: Buffer } {
  const previous = new SegmentWriter();
  previous.append(10, 0, Buffer.alloc(1_045_488 - 48 - 24, 0xab)); // at 0/300028
  previous.append(0, 0x70, restorePointBody(name, 0n));
  const record = xlogRecord(0, 0x70, 0x300028n, restorePointBody(name, 0n));
  assert.deepEqual(previous.bytes.subarray(-48), record.subarray(0, 48));
  const next = new SegmentWriter({ segmentNumber: 4, continued: 50 });
  record.copy(next.bytes, 40, 48);
  next.append(0, 0x70, restorePointBody('after', 1_000_000n));
  return { previous: previous.bytes, next: next.bytes };
}

const straddlePoint = { name: 'straddle', time: '2000-01-01T00:00:00.000000Z', timeline: 1, startLsn: '0/3FFFD0', endLsn: '0/400060', segment: '000000010000000000000004' };
const afterPoint = { name: 'after', time: '2000-01-01T00:00:01.000000Z', timeline: 1, startLsn: '0/400060', endLsn: '0/4000C8', segment: '000000010000000000000004' };

for (const compression of ['none', 'gzip', 'zstd'] as const) {
  test(`a restore point straddling two segments archived ${compression === 'none' ? 'plain' : `with ${compression}`} is recorded with the later one`, () => {
    const { target, catalog } = makeArchive(compression);
    const { previous, next } = straddlingPair('straddle');
    archiveWalBytes(target, '000000010000000000000003', previous, catalog);
    assert.deepEqual(listRestorePoints(catalog, 'pg'), []);
    archiveWalBytes(target, '000000010000000000000004', next, catalog);
    assert.deepEqual(listRestorePoints(catalog, 'pg'), [straddlePoint, afterPoint]);
    assert.deepEqual(scanArchivedRestorePoints(target.walsDirectory), [straddlePoint, afterPoint]);
  });
}

test('the earlier segment is read back from the archive (decompressed) when another segment was indexed in between', () => {
  const { target, catalog } = makeArchive('gzip');
  const { previous, next } = straddlingPair('straddle');
  archiveWalBytes(target, '000000010000000000000003', previous, catalog);
  archiveWalBytes(target, '000000010000000000000007', segmentWithTwoPoints('seven-a', 'seven-b', { segmentNumber: 7 }), catalog);
  archiveWalBytes(target, '000000010000000000000004', next, catalog);
  assert.deepEqual(listRestorePoints(catalog, 'pg').filter((point) => point.segment.endsWith('4')), [straddlePoint, afterPoint]);
});

test('the segment indexed just before is not read again: its last page is kept in memory', () => {
  const { target, catalog } = makeArchive('none');
  const { previous, next } = straddlingPair('straddle');
  archiveWalBytes(target, '000000010000000000000003', previous, catalog);
  rmSync(path.join(target.walsDirectory, '0000000100000000', '000000010000000000000003'));
  archiveWalBytes(target, '000000010000000000000004', next, catalog);
  assert.deepEqual(listRestorePoints(catalog, 'pg'), [straddlePoint, afterPoint]);
});

test('scanning the whole archive says after each segment how far it has come', () => {
  const { target, catalog } = makeArchive('gzip');
  const { previous, next } = straddlingPair('straddle');
  archiveWalBytes(target, '000000010000000000000003', previous, catalog);
  archiveWalBytes(target, '000000010000000000000004', next, catalog);
  const heard: [number, number][] = [];
  assert.deepEqual(scanArchivedRestorePoints(target.walsDirectory, (done, total) => heard.push([done, total])), [straddlePoint, afterPoint]);
  assert.deepEqual(heard, [[1, 2], [2, 2]]);
});

test('a straddling restore point is found at rebuild when the earlier segment is archived after the later one', () => {
  const { target, catalog } = makeArchive('gzip');
  const { previous, next } = straddlingPair('straddle');
  archiveWalBytes(target, '000000010000000000000004', next, catalog);
  archiveWalBytes(target, '000000010000000000000003', previous, catalog);
  assert.deepEqual(listRestorePoints(catalog, 'pg'), [afterPoint]);
  assert.deepEqual(scanArchivedRestorePoints(target.walsDirectory), [straddlePoint, afterPoint]);
});

test('a straddling restore point whose earlier segment is missing or unreadable is passed over', () => {
  const { next } = straddlingPair('straddle');
  const missing = makeArchive('none');
  archiveWalBytes(missing.target, '000000010000000000000004', next, missing.catalog);
  assert.deepEqual(listRestorePoints(missing.catalog, 'pg'), [afterPoint]);

  for (const [file, bytes] of [['000000010000000000000003', Buffer.alloc(8192)], ['000000010000000000000003.zst', Buffer.from('not zstd')]] as const) {
    const { target, catalog } = makeArchive('none');
    const folder = path.join(target.walsDirectory, '0000000100000000');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, file), bytes);
    archiveWalBytes(target, '000000010000000000000004', next, catalog);
    assert.deepEqual(listRestorePoints(catalog, 'pg'), [afterPoint], file);
  }
  // Another timeline's segment 3 is not the one before: timeline 2's segment 4 follows timeline 2's segment 3.
  const otherTimeline = makeArchive('none');
  archiveWalBytes(otherTimeline.target, '000000010000000000000003', straddlingPair('straddle').previous, otherTimeline.catalog);
  archiveWalBytes(otherTimeline.target, '000000020000000000000004', next, otherTimeline.catalog);
  assert.deepEqual(listRestorePoints(otherTimeline.catalog, 'pg').map((point) => point.name), ['after']);
});
