// Restore over SSH on a real cluster and a real sshd, through the real
// `barkeep restore --remote-ssh-command`: WAL archived into Barkeep's archive,
// a backup with method postgres, marker rows around a named restore point. The
// restore lands in a postgres-owned folder through the sshd (login as postgres),
// the cluster starts there and holds exactly the markers before the target. A
// wrong pinned host key and a non-empty remote folder are refused, nothing written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { restoreSshCommand } from '../support/recovery-ssh-command';
import { startTestSshd, writeMismatchedKnownHosts, type TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let sshd: TestSshd;

const barkeep = (...args: string[]) => fixture!.barkeep(...args);

before(async () => {
  sshd = await startTestSshd();
  fixture = await startArchivedCluster('remote');
  ({ cluster } = fixture);
  await cluster.psql('create table markers (id int primary key, note text not null)');
  await takeBackup(fixture);

  const insert = async (id: number): Promise<void> => {
    await cluster.psql(`insert into markers (id, note) values (${id}, 'm${id}')`);
    await cluster.psql('select pg_switch_wal()');
  };
  await insert(1);
  await insert(2);
  await cluster.psql("select pg_create_restore_point('before_m3')");
  await insert(3);
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
  await sshd?.stop();
});

test('restore over ssh into a postgres-owned folder; the cluster starts there and reaches the target', async () => {
  const folder = await makeRestoreFolder('remote-restore', cluster.binDir);
  const { dataDir } = folder;
  try {
    const result = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', restoreSshCommand(sshd), '--target-name', 'before_m3', '--target-action', 'promote');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /restored backup \d{8}T\d{6} of server 'pg' into '.*data': .* recovery target: restore point 'before_m3'/);
    assert.match(result.stdout, /pg_ctl -D .*data start +\(on postgres@127\.0\.0\.1:\d+\)/);
    const stats = statSync(dataDir);
    assert.equal(stats.mode & 0o777, 0o700);
    assert.equal(stats.uid, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), 'written by the ssh user');
    assert.ok(existsSync(path.join(dataDir, 'recovery.signal')));
    assert.ok(existsSync(path.join(dataDir, 'PG_VERSION')));
    assert.ok(!existsSync(path.join(dataDir, 'postmaster.pid')));
    assert.ok(readdirSync(path.join(dataDir, 'barkeep_wal')).some((name) => /^[0-9A-F]{24}$/.test(name)));
    const autoConf = readFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
    assert.match(autoConf, /^archive_mode = off$/m);
    assert.match(autoConf, /^recovery_target_name = 'before_m3'$/m);
    assert.match(autoConf, new RegExp(`^restore_command = 'cp "${dataDir}/barkeep_wal/%f" "%p"'$`, 'm'));

    const { psql } = await startRestoredCluster(folder);
    assert.equal(await psql("select string_agg(id || ':' || note, ',' order by id) from markers"), '1:m1,2:m2');
    assert.ok(!existsSync(path.join(dataDir, 'barkeep_wal')), 'recovery_end_command removed the copied wal');
  } finally {
    await folder.dispose();
  }
});

test('a wrong pinned host key is refused before anything is written', async () => {
  const root = await makeTempDir('remote-hostkey', { owner: 'postgres' });
  try {
    const dest = path.join(root, 'data');
    const result = await barkeep('restore', 'pg', dest, '--remote-ssh-command', restoreSshCommand(sshd, await writeMismatchedKnownHosts(sshd)));
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^ERROR: ssh host key of 127\.0\.0\.1:\d+ does not match the pinned key/);
    assert.ok(!existsSync(dest));
    assert.deepEqual(readdirSync(root), []);
  } finally {
    await removeTempDir(root);
  }
});

test('a non-empty remote folder is refused, and --dry-run writes nothing', async () => {
  const root = await makeTempDir('remote-busy', { owner: 'postgres' });
  try {
    writeFileSync(path.join(root, 'keep-me'), 'x');
    await chownToPostgres(root);
    const busy = await barkeep('restore', 'pg', root, '--remote-ssh-command', restoreSshCommand(sshd));
    assert.equal(busy.code, 1, busy.stdout);
    assert.match(busy.stderr, /^ERROR: the destination '.*' on ssh postgres@127\.0\.0\.1:\d+ is not empty \(keep-me\)/);
    assert.deepEqual(readdirSync(root), ['keep-me']);

    const dest = path.join(root, 'data');
    const dry = await barkeep('restore', 'pg', dest, '--remote-ssh-command', restoreSshCommand(sshd), '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: .* nothing was written/);
    assert.deepEqual(readdirSync(root), ['keep-me']);
  } finally {
    await removeTempDir(root);
  }
});
