import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { archiveWalBytes } from '../wal/archive-store';
import { copyRestoreFiles, type FileOwner, type RestoreCopyInput } from './copy-restore';

const roots: string[] = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));
const running = new AbortController().signal;
const copyDataFolder = async (source: string, dest: string, signal: AbortSignal, onBytes: (done: number) => void, extra: Partial<RestoreCopyInput> = {}): Promise<number> =>
  (await copyRestoreFiles({ source, dest, ...extra }, signal, onBytes)).dataBytes;

function tempRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-copy-restore-'));
  roots.push(root);
  return root;
}

/** A small data folder: nested folders with their own modes, files of several sizes, a symlink, a tablespace, postmaster files. */
function makeSource(root: string): string {
  const source = path.join(root, 'data');
  mkdirSync(path.join(source, 'base', '5'), { recursive: true, mode: 0o700 });
  mkdirSync(path.join(source, 'global'), { mode: 0o700 });
  mkdirSync(path.join(source, 'pg_tblspc', '16384', 'PG_15_202209061'), { recursive: true });
  writeFileSync(path.join(source, 'PG_VERSION'), '15\n', { mode: 0o600 });
  writeFileSync(path.join(source, 'global', 'pg_control'), Buffer.alloc(8192, 7), { mode: 0o600 });
  writeFileSync(path.join(source, 'base', '5', '16400'), Buffer.alloc(300_000, 1), { mode: 0o600 });
  writeFileSync(path.join(source, 'base', '5', '16401'), Buffer.alloc(0), { mode: 0o640 });
  writeFileSync(path.join(source, 'pg_tblspc', '16384', 'PG_15_202209061', '16500'), Buffer.alloc(5000, 2), { mode: 0o600 });
  writeFileSync(path.join(source, 'postmaster.pid'), '4242\n');
  writeFileSync(path.join(source, 'postmaster.opts'), 'postgres\n');
  symlinkSync('/etc/postgresql/15/main/conf.d', path.join(source, 'conf.d'));
  chmodSync(path.join(source, 'base'), 0o750);
  return source;
}

test('a data folder is copied whole, modes kept, as new files (no hard links), without postmaster.pid/opts', async () => {
  const root = tempRoot();
  const source = makeSource(root);
  const dest = path.join(root, 'dest');
  const reported: number[] = [];
  const bytes = await copyDataFolder(source, dest, running, (done) => reported.push(done));
  // 3 + 8192 + 300000 + 0 + 5000 bytes in regular files
  assert.equal(bytes, 313_195);
  assert.equal(reported.at(-1), 313_195);
  assert.equal(reported.length, 5);
  assert.equal(readFileSync(path.join(dest, 'PG_VERSION'), 'utf8'), '15\n');
  assert.deepEqual(readFileSync(path.join(dest, 'base', '5', '16400')), Buffer.alloc(300_000, 1));
  assert.equal(lstatSync(path.join(dest, 'base', '5', '16401')).mode & 0o777, 0o640);
  assert.equal(lstatSync(path.join(dest, 'base')).mode & 0o777, 0o750);
  assert.equal(lstatSync(path.join(dest, 'base', '5')).mode & 0o777, 0o700);
  assert.equal(readlinkSync(path.join(dest, 'conf.d')), '/etc/postgresql/15/main/conf.d');
  assert.equal(lstatSync(path.join(dest, 'global', 'pg_control')).nlink, 1, 'a copy, not a hard link into the store');
  assert.notEqual(lstatSync(path.join(dest, 'global', 'pg_control')).ino, lstatSync(path.join(source, 'global', 'pg_control')).ino);
  assert.ok(!existsSync(path.join(dest, 'postmaster.pid')));
  assert.ok(!existsSync(path.join(dest, 'postmaster.opts')));
});

test('a relocated tablespace goes to its folder, 0700, with a symlink in pg_tblspc', async () => {
  const root = tempRoot();
  const source = makeSource(root);
  const dest = path.join(root, 'dest');
  const elsewhere = path.join(root, 'fast');
  await copyDataFolder(source, dest, running, () => undefined, { relocate: new Map([['pg_tblspc/16384', elsewhere]]) });
  assert.equal(readlinkSync(path.join(dest, 'pg_tblspc', '16384')), elsewhere);
  assert.equal(lstatSync(elsewhere).mode & 0o777, 0o700);
  assert.deepEqual(readFileSync(path.join(elsewhere, 'PG_15_202209061', '16500')), Buffer.alloc(5000, 2));
});

test('sizes known from the manifest count instead of a stat (also inside a relocated tablespace); other files are stat\'ed', async () => {
  const root = tempRoot();
  const source = makeSource(root);
  // deliberately not the real sizes (300000 and 5000), to see which figure was used
  const knownSizes = new Map([['base/5/16400', 1], ['pg_tblspc/16384/PG_15_202209061/16500', 7]]);
  const relocate = new Map([['pg_tblspc/16384', path.join(root, 'fast')]]);
  const bytes = await copyDataFolder(source, path.join(root, 'dest'), running, () => undefined, { knownSizes, relocate });
  // PG_VERSION 3 + pg_control 8192 (stat'ed) + 1 + 0 (stat'ed) + 7
  assert.equal(bytes, 8203);
  assert.deepEqual(readFileSync(path.join(root, 'dest', 'base', '5', '16400')), Buffer.alloc(300_000, 1), 'the copy itself is whole');
});

test('a file already in DEST is never overwritten: the copy fails', async () => {
  const root = tempRoot();
  const source = makeSource(root);
  const dest = path.join(root, 'dest');
  mkdirSync(path.join(dest, 'global'), { recursive: true });
  writeFileSync(path.join(dest, 'global', 'pg_control'), 'someone else');
  await assert.rejects(copyDataFolder(source, dest, running, () => undefined), /EEXIST/);
  assert.equal(readFileSync(path.join(dest, 'global', 'pg_control'), 'utf8'), 'someone else');
});

test('a cancelled copy stops with a cancelled error', async () => {
  const root = tempRoot();
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(copyDataFolder(makeSource(root), path.join(root, 'dest'), controller.signal, () => undefined),
    (error: unknown) => error instanceof EngineError && error.code === 'cancelled');
});

test('as root, everything the copy makes belongs to the given owner', { skip: process.getuid?.() !== 0 && 'needs root to chown' }, async () => {
  const root = tempRoot();
  const source = makeSource(root);
  const dest = path.join(root, 'dest');
  const owner: FileOwner = { uid: 4321, gid: 4322 };
  await copyDataFolder(source, dest, running, () => undefined, { owner });
  const paths = ['', 'PG_VERSION', 'base', 'base/5', 'base/5/16400', 'base/5/16401', 'global', 'global/pg_control', 'conf.d', 'pg_tblspc/16384/PG_15_202209061/16500'];
  for (const relative of paths) {
    const stats = lstatSync(path.join(dest, relative));
    assert.deepEqual([stats.uid, stats.gid], [4321, 4322], relative || 'DEST');
  }
});

test('planned wal: plain and compressed archive files land decompressed among the data, 0600; a missing one is refused', async () => {
  const root = tempRoot();
  const source = makeSource(root);
  const plainTarget = { server: 'pg', walsDirectory: path.join(root, 'wals'), errorsDirectory: path.join(root, 'errors'), compression: 'none' as const };
  const segment = (seed: number): Buffer => Buffer.alloc(64 * 1024, seed);
  archiveWalBytes(plainTarget, '000000010000000000000003', segment(3), null);
  archiveWalBytes({ ...plainTarget, compression: 'gzip' }, '000000010000000000000004', segment(4), null);
  archiveWalBytes(plainTarget, '00000002.history', Buffer.from('1\t0/4000000\tno recovery target specified\n'), null);
  const dest = path.join(root, 'dest');
  const walFolder = path.join(dest, 'barkeep_wal');
  const names = ['00000002.history', '000000010000000000000003', '000000010000000000000004'];
  const reported: number[] = [];
  const result = await copyRestoreFiles({ source, dest, wal: { walsDirectory: plainTarget.walsDirectory, names, folder: walFolder } }, running,
    (done) => reported.push(done));
  // the history line is 1 + 1 + 9 + 1 + 28 + 1 = 41 bytes, then two 65536-byte segments; the data as in the first test
  assert.deepEqual(result, { dataBytes: 313_195, walBytes: 41 + 2 * 65_536 });
  assert.equal(reported.at(-1), 313_195 + 41 + 2 * 65_536);
  assert.deepEqual(readFileSync(path.join(walFolder, '000000010000000000000004')), segment(4));
  for (const name of names) assert.equal(lstatSync(path.join(walFolder, name)).mode & 0o777, 0o600, name);
  assert.equal(lstatSync(walFolder).mode & 0o777, 0o700);

  const missing = { walsDirectory: plainTarget.walsDirectory, names: ['000000010000000000000009'], folder: path.join(root, 'other', 'barkeep_wal') };
  await assert.rejects(copyRestoreFiles({ source, dest: path.join(root, 'other'), wal: missing }, running, () => undefined),
    (error: unknown) => error instanceof EngineError && error.code === 'wal-missing' && /000000010000000000000009 disappeared/.test(error.message));
});
