import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { listRestoreRoots, splitByBytes, type RestoreFile } from './restore-file-list';

test('splitByBytes puts the largest file on the lightest group, counts a small file as a block, keeps root and name order', () => {
  const file = (root: number, name: string, size: number): RestoreFile => ({ root, name, size });
  const files = [file(0, 'd', 0), file(1, 'c', 500), file(0, 'b', 600), file(0, 'e', 100), file(0, 'a', 1000)];
  // By size: a 1000 → g0 (1000); b 600 → g1 (600); c 500 → g1 (1100); e 100 weighs 512 → g0 (1512); d 0 weighs 512 → g1 (1612).
  const groups = splitByBytes(files, 2);
  assert.deepEqual(groups.map((group) => group.map((entry) => entry.name)), [['a', 'e'], ['b', 'd', 'c']]);
  assert.equal(splitByBytes(files, 9).length, 5, 'never more groups than files');
  assert.equal(splitByBytes(files, 0).length, 1);
  assert.deepEqual(splitByBytes([], 3), []);
});

test('listRestoreRoots: the data folder without postmaster files or relocated tablespaces, each tablespace its own tree', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-file-list-'));
  try {
    const data = path.join(root, 'data');
    mkdirSync(path.join(data, 'base', '1'), { recursive: true });
    mkdirSync(path.join(data, 'pg_wal'));
    mkdirSync(path.join(data, 'pg_tblspc', '16390', 'PG_15_x', '5'), { recursive: true });
    writeFileSync(path.join(data, 'PG_VERSION'), '15\n');
    writeFileSync(path.join(data, 'postmaster.pid'), '123\n');
    writeFileSync(path.join(data, 'postmaster.opts'), 'x');
    writeFileSync(path.join(data, 'base', '1', '123'), '0123456789');
    writeFileSync(path.join(data, 'base', '1', '124'), '');
    writeFileSync(path.join(data, 'pg_tblspc', '16390', 'PG_15_x', '5', '77'), 'seven!!');
    symlinkSync('/elsewhere', path.join(data, 'link'));
    const space = { oid: 16390, name: 'fast', original: '/pg/fast', target: '/remote/fast', mapped: true };
    const absent = { oid: 16391, name: 'empty', original: '/pg/empty', target: '/remote/empty', mapped: false };

    const roots = await listRestoreRoots(data, '/remote/data', [space, absent]);
    assert.equal(roots.length, 3);
    assert.deepEqual(roots[0], {
      source: data, target: '/remote/data', folders: ['base', 'base/1', 'pg_tblspc', 'pg_wal'], symlinks: ['link'],
      files: [{ root: 0, name: 'PG_VERSION', size: 3 }, { root: 0, name: 'base/1/123', size: 10 }, { root: 0, name: 'base/1/124', size: 0 }],
      bytes: 13,
    });
    assert.deepEqual(roots[1], {
      source: path.join(data, 'pg_tblspc', '16390'), target: '/remote/fast', folders: ['PG_15_x', 'PG_15_x/5'], symlinks: [],
      files: [{ root: 1, name: 'PG_15_x/5/77', size: 7 }], bytes: 7,
    });
    assert.deepEqual(roots[2], { source: path.join(data, 'pg_tblspc', '16391'), target: '/remote/empty', folders: [], symlinks: [], files: [], bytes: 0 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
