// Remote restore of a backup with a tablespace, in parallel streams, through
// the real `barkeep restore --remote-ssh-command` into a real sshd (login as
// postgres): the server has parallel_jobs = 3. The tablespace goes to its
// --tablespace PATH on that host (pg_tblspc/<oid> links there, tablespace_map
// says so), the restored cluster starts and reads the same rows as the original.
// Refused with nothing written: the tablespace's original (busy) location, a
// non-empty PATH, a PATH of another user. A stream failing mid-copy (a tmpfs out
// of inodes) fails the restore, and everything it wrote is removed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { lookupClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { restoreSshCommand } from '../support/recovery-ssh-command';
import { startTestSshd, type TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let sshd: TestSshd;
let tablespaceDir: string;
let tablespaceOid: string;
/** what the original holds, read right before the backup */
let expectedHot: string;
let expectedPlain: string;

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const hotDigest = "select count(*) || ':' || md5(string_agg(id || note, ',' order by id)) from hot";
const plainDigest = "select count(*) || ':' || md5(string_agg(id || note, ',' order by id)) from plain";

before(async () => {
  sshd = await startTestSshd();
  tablespaceDir = await makeTempDir('rts-tblspc', { owner: 'postgres' });
  fixture = await startArchivedCluster('rts', ['parallel_jobs = 3']);
  ({ cluster } = fixture);
  await cluster.psql(`create tablespace fast location '${tablespaceDir}'`);
  tablespaceOid = await cluster.psql("select oid from pg_tablespace where spcname = 'fast'");
  // hot lives in the tablespace (heap, toast and its index: three files there at least); plain in the data folder.
  await cluster.psql("create table hot (id int primary key, note text) tablespace fast; insert into hot select g, repeat('h', g % 50) || g from generate_series(1, 20000) g");
  await cluster.psql("create table plain (id int primary key, note text); insert into plain select g, 'p' || g from generate_series(1, 3000) g");
  expectedHot = await cluster.psql(hotDigest);
  expectedPlain = await cluster.psql(plainDigest);
  await takeBackup(fixture);
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
  if (tablespaceDir) await removeTempDir(tablespaceDir);
  await sshd?.stop();
});

test('--tablespace NAME:PATH over ssh in 3 streams: PATH holds the tablespace, the restored cluster starts and reads the same rows', async () => {
  const folder = await makeRestoreFolder('rts-restore', cluster.binDir);
  const { dataDir } = folder;
  const newSpace = path.join(folder.root, 'spaces', 'fast-remote');
  try {
    const result = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd), '--tablespace', `fast:${newSpace}`,
      '--target-immediate', '--target-action', 'promote');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stderr, /copying \d+ files \([\d.]+ MiB\) in 3 parallel streams/);
    assert.match(result.stderr, /restored backup \d{8}T\d{6} of server 'pg' into '.*data' on ssh postgres@127\.0\.0\.1:\d+ \(1 tablespace, \d+ wal files\)/);

    const { uid } = await lookupClusterOwner();
    assert.equal(readFileSync(path.join(dataDir, 'tablespace_map'), 'utf8'), `${tablespaceOid} ${newSpace}\n`);
    assert.equal(readlinkSync(path.join(dataDir, 'pg_tblspc', tablespaceOid)), newSpace);
    assert.ok(readdirSync(newSpace).some((name) => name.startsWith('PG_15_')), 'the tablespace content is in PATH');
    for (const dir of [dataDir, newSpace]) {
      assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
      assert.equal(statSync(dir).uid, uid, `${dir} is the ssh user's`);
    }
    assert.deepEqual(readdirSync(tablespaceDir).filter((name) => name.startsWith('PG_')).length, 1, 'the original location is untouched');

    const { psql } = await startRestoredCluster(folder);
    assert.equal(await psql("select pg_tablespace_location(oid) from pg_tablespace where spcname = 'fast'"), newSpace);
    assert.equal(await psql("select count(*) from pg_class where relname = 'hot' and reltablespace = (select oid from pg_tablespace where spcname = 'fast')"), '1');
    assert.equal(await psql(hotDigest), expectedHot);
    assert.equal(await psql(plainDigest), expectedPlain);
    assert.match(expectedHot, /^20000:/);
    assert.match(expectedPlain, /^3000:/);
    assert.equal(readlinkSync(path.join(dataDir, 'pg_tblspc', tablespaceOid)), newSpace);
  } finally {
    await folder.dispose();
  }
});

test('refused with nothing written: the busy original location, a non-empty PATH, a PATH of another user', async () => {
  const root = await makeTempDir('rts-refused', { owner: 'postgres' });
  try {
    const dataDir = path.join(root, 'data');
    const originalEntries = readdirSync(tablespaceDir);
    const unmapped = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd));
    assert.equal(unmapped.code, 1, unmapped.stdout);
    assert.match(unmapped.stderr, new RegExp(`^ERROR: the folder '${tablespaceDir}' for tablespace 'fast' on ssh postgres@127\\.0\\.0\\.1:\\d+ is not empty \\(PG_15_`));
    assert.match(unmapped.stderr, /--tablespace fast:PATH/);
    assert.deepEqual(readdirSync(tablespaceDir), originalEntries);

    const busy = path.join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'keep-me'), 'x');
    await chownToPostgres(busy);
    const nonEmpty = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd), '--tablespace', `fast:${busy}`, '--force');
    assert.equal(nonEmpty.code, 1, nonEmpty.stdout);
    assert.match(nonEmpty.stderr, /^ERROR: the folder '.*busy' for tablespace 'fast' on ssh postgres@127\.0\.0\.1:\d+ is not empty \(keep-me\)/);
    assert.match(nonEmpty.stderr, /map it to an empty or new folder/);

    const foreign = path.join(root, 'foreign');
    mkdirSync(foreign, { mode: 0o755 }); // made by this (root) process: not the ssh user's
    const notOwned = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd), '--tablespace', `fast:${foreign}`);
    assert.equal(notOwned.code, 1, notOwned.stdout);
    assert.match(notOwned.stderr, /^ERROR: the folder '.*foreign' for tablespace 'fast' on ssh postgres@127\.0\.0\.1:\d+ belongs to another user than the ssh login/);

    assert.deepEqual(readdirSync(root).sort(), ['busy', 'foreign']);
    assert.deepEqual(readdirSync(busy), ['keep-me']);
    assert.deepEqual(readdirSync(foreign), []);
  } finally {
    await removeTempDir(root);
  }
});

test('a stream failing mid-copy (tablespace folder out of inodes) fails the restore; the other streams stop and everything written is removed', async (t) => {
  const root = await makeTempDir('rts-failing', { owner: 'postgres' });
  const mountDir = path.join(root, 'tiny');
  mkdirSync(mountDir);
  const { uid, gid } = await lookupClusterOwner();
  // Room for the bytes, not for the files: the root, two folders and one file, then ENOSPC.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=100m,nr_inodes=4,mode=0700,uid=${uid},gid=${gid}`, 'tmpfs', mountDir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await removeTempDir(root);
    t.skip(`cannot mount a tmpfs here: ${(mounted.stderr || mounted.error?.message || '').trim()}`);
    return;
  }
  const unregister = registerExitCleanup(() => void spawnSync('umount', ['-l', mountDir]));
  try {
    const dataDir = path.join(root, 'new', 'data');
    const result = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd), '--tablespace', `fast:${mountDir}`);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /in 3 parallel streams/);
    assert.match(result.stderr, new RegExp(`ERROR: unpacking stream [123] of 3 into '${mountDir}' failed on ssh postgres@127\\.0\\.0\\.1:\\d+ \\(exit 2\\): [^]*No space left on device`));
    assert.deepEqual(readdirSync(mountDir), [], 'the tablespace folder is empty again');
    assert.deepEqual(readdirSync(root), ['tiny'], 'the data folder the restore created is gone, and the parent it made for it');
    const leftover = spawnSync('pgrep', ['-f', root], { encoding: 'utf8' });
    assert.equal(leftover.stdout.trim(), '', 'no remote tar still runs');
  } finally {
    const unmounted = spawnSync('umount', [mountDir]);
    if (unmounted.status !== 0) spawnSync('umount', ['-l', mountDir]);
    unregister();
    await removeTempDir(root);
  }
});
