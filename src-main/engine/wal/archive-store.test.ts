import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { Catalog } from '../catalog/catalog';
import { archiveFolderFor, archiveWalBytes, findArchivedWal, keepInErrors, readArchivedWal, type WalArchiveTarget } from './archive-store';
import type { WalCompression } from './compression';

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

function makeArchive(compression: WalCompression): { target: WalArchiveTarget; catalog: Catalog } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-archive-store-'));
  roots.push(root);
  const catalog = Catalog.open(path.join(root, 'catalog.db'));
  after(() => catalog.close());
  return { target: { server: 'pg', walsDirectory: path.join(root, 'wals'), errorsDirectory: path.join(root, 'errors'), compression }, catalog };
}

/** Segment-like bytes: compressible, and different for each seed. */
function segmentBytes(seed: number): Buffer {
  const data = Buffer.alloc(1024 * 1024);
  for (let offset = 0; offset < data.length; offset += 4096) data.writeUInt32LE(seed * 7919 + offset, offset);
  return data;
}

function walRows(catalog: Catalog): { name: string; compression: string | null; size_bytes: number }[] {
  return catalog.db.prepare('SELECT name, compression, size_bytes FROM wal_segments ORDER BY name').all() as { name: string; compression: string | null; size_bytes: number }[];
}

for (const [compression, suffix] of [['none', ''], ['gzip', '.gz'], ['zstd', '.zst']] as const) {
  test(`a segment is stored ${compression === 'none' ? 'plain' : `with ${compression}`}, indexed, and read back whole`, () => {
    const { target, catalog } = makeArchive(compression);
    const name = '000000010000000000000003';
    const data = segmentBytes(3);
    const stored = archiveWalBytes(target, name, data, catalog);
    const file = path.join(target.walsDirectory, '0000000100000000', `${name}${suffix}`);
    assert.deepEqual(stored, { outcome: 'stored', file });
    assert.deepEqual(findArchivedWal(target.walsDirectory, name), { file, compression });
    assert.ok(readArchivedWal(target.walsDirectory, name)?.equals(data));
    const rows = walRows(catalog);
    assert.deepEqual(rows, [{ name, compression: compression === 'none' ? null : compression, size_bytes: readFileSync(file).length }]);
    if (compression !== 'none') assert.ok(rows[0]!.size_bytes < data.length / 4, 'compressed on disk');
    // No temporary file is left beside it.
    assert.deepEqual(readdirSync(path.dirname(file)), [path.basename(file)]);
  });
}

test('the same bytes again are a duplicate, stored once, even after the compression setting changed', () => {
  const { target, catalog } = makeArchive('gzip');
  const name = '000000010000000000000004';
  archiveWalBytes(target, name, segmentBytes(4), catalog);
  const again = archiveWalBytes({ ...target, compression: 'zstd' }, name, segmentBytes(4), catalog);
  assert.equal(again.outcome, 'duplicate');
  assert.equal(path.basename(again.file), `${name}.gz`);
  assert.deepEqual(readdirSync(path.join(target.walsDirectory, '0000000100000000')), [`${name}.gz`]);
  assert.equal(walRows(catalog).length, 1);
});

test('other bytes under an archived name are refused, kept in errors/, and never replace the archived copy', () => {
  const { target, catalog } = makeArchive('zstd');
  const name = '000000010000000000000005';
  archiveWalBytes(target, name, segmentBytes(5), catalog);
  const kept: string[] = [];
  for (const seed of [50, 51]) {
    assert.throws(() => archiveWalBytes(target, name, segmentBytes(seed), catalog), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'wal-conflict');
      assert.match(error.message, /^wal file '000000010000000000000005' is already archived for server 'pg' with different content; the new copy was kept in '(.+)'$/);
      kept.push(/kept in '(.+)'$/.exec(error.message)![1]!);
      assert.ok(error.hint);
      return true;
    });
  }
  assert.notEqual(kept[0], kept[1], 'a second conflict does not overwrite the first');
  assert.ok(readFileSync(kept[0]!).equals(segmentBytes(50)));
  assert.ok(readFileSync(kept[1]!).equals(segmentBytes(51)));
  assert.ok(readArchivedWal(target.walsDirectory, name)?.equals(segmentBytes(5)));
});

test('a timeline history file is stored plain at the top and indexed as a timeline', () => {
  const { target, catalog } = makeArchive('gzip');
  const history = Buffer.from('1\t0/3000160\tno recovery target specified\n');
  const stored = archiveWalBytes(target, '00000002.history', history, catalog);
  assert.equal(stored.file, path.join(target.walsDirectory, '00000002.history'));
  assert.ok(readArchivedWal(target.walsDirectory, '00000002.history')?.equals(history));
  assert.deepEqual(catalog.db.prepare('SELECT timeline, parent, switch_lsn AS switchLsn, reason FROM timelines').all(),
    [{ timeline: 2, parent: 1, switchLsn: '0/3000160', reason: 'no recovery target specified' }]);
  assert.equal(walRows(catalog).length, 0);
});

test('a backup label file lives with its segments and is not indexed as a segment', () => {
  const { target, catalog } = makeArchive('zstd');
  const name = '000000010000000000000002.00000028.backup';
  const stored = archiveWalBytes(target, name, Buffer.from('START WAL LOCATION: 0/2000028\n'), catalog);
  assert.equal(stored.file, path.join(target.walsDirectory, '0000000100000000', name));
  assert.equal(walRows(catalog).length, 0);
});

test('only archivable names have an archive folder; a missing file reads as null', () => {
  const { target } = makeArchive('none');
  assert.equal(archiveFolderFor('/w', '0000000200000001000000FE'), path.join('/w', '0000000200000001'));
  for (const name of ['000000010000000000000003.partial', 'backup.json', '../000000010000000000000003']) {
    assert.throws(() => archiveFolderFor('/w', name), (error: unknown) => error instanceof EngineError && error.code === 'wal-invalid', name);
  }
  assert.equal(findArchivedWal(target.walsDirectory, '000000010000000000000009'), null);
  assert.equal(readArchivedWal(target.walsDirectory, '00000005.history'), null);
});

test('keepInErrors never overwrites an earlier copy', () => {
  const { target } = makeArchive('none');
  const first = keepInErrors(target.errorsDirectory, '000000010000000000000001', Buffer.from('a'));
  const second = keepInErrors(target.errorsDirectory, '000000010000000000000001', Buffer.from('b'));
  assert.notEqual(first, second);
  assert.equal(readFileSync(first, 'utf8'), 'a');
  assert.equal(readFileSync(second, 'utf8'), 'b');
  assert.ok(existsSync(target.errorsDirectory));
});
