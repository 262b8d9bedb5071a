// Restore options on a real cluster through the real `barkeep restore`:
// --tablespace NAME:PATH relocates a tablespace (its rows readable after
// start, pg_tblspc/<oid> pointing at PATH), --drill runs a drill from the
// restore's arguments, --standby-mode and --get-wal write the files they
// promise, and the combinations that cannot work are refused up front.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, newestBackup, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let tablespaceDir: string;
let configFile: string;
let plainBackupId: string;
let tablespaceOid: string;

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  tablespaceDir = await makeTempDir('opts-tblspc', { owner: 'postgres' });
  fixture = await startArchivedCluster('opts');
  ({ cluster, configFile } = fixture);

  // A first backup without tablespaces (for --drill, --standby-mode, --get-wal), then one with a tablespace.
  await takeBackup(fixture);
  plainBackupId = (await newestBackup(fixture)).backupId;
  await sleep(1100); // backup ids have a one-second resolution

  await cluster.psql(`create tablespace fast location '${tablespaceDir}'`);
  tablespaceOid = await cluster.psql("select oid from pg_tablespace where spcname = 'fast'");
  await cluster.psql("create table hot (id int primary key, note text) tablespace fast; insert into hot select g, 'row ' || g from generate_series(1, 500) g");
  await takeBackup(fixture);
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
  if (tablespaceDir) await removeTempDir(tablespaceDir);
});

test('--tablespace NAME:PATH relocates the tablespace; the restored cluster starts and reads its rows there', async () => {
  const folder = await makeRestoreFolder('opts-restore', cluster.binDir);
  const { dataDir } = folder;
  const newSpace = path.join(folder.root, 'fast-here');
  try {
    // Unmapped, the tablespace would go back to its original (busy) location: refused, nothing written.
    const refused = await barkeep('restore', 'pg', dataDir);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /tablespace 'fast' is not empty/);
    assert.match(refused.stderr, /--tablespace fast:PATH/);
    assert.ok(!existsSync(dataDir));

    const result = await barkeep('restore', 'pg', dataDir, '--tablespace', `fast:${newSpace}`, '--target-immediate', '--target-action', 'promote');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal(readFileSync(path.join(dataDir, 'tablespace_map'), 'utf8'), `${tablespaceOid} ${newSpace}\n`);
    assert.equal(readlinkSync(path.join(dataDir, 'pg_tblspc', tablespaceOid)), newSpace);
    assert.ok(readdirSync(newSpace).some((name) => name.startsWith('PG_')), 'the tablespace content is in PATH');
    assert.equal(statSync(newSpace).mode & 0o777, 0o700);

    const { psql } = await startRestoredCluster(folder);
    assert.equal(await psql("select count(*) || ':' || max(note) from hot"), "500:row 99");
    assert.equal(await psql("select pg_tablespace_location(oid) from pg_tablespace where spcname = 'fast'"), newSpace);
    assert.equal(readlinkSync(path.join(dataDir, 'pg_tblspc', tablespaceOid)), newSpace);
  } finally {
    await folder.dispose();
  }
});

test('--standby-mode --get-wal: standby.signal, restore_command runs barkeep get-wal, no wal copied', async () => {
  const root = await makeTempDir('opts-standby');
  try {
    const dataDir = path.join(root, 'data');
    const result = await barkeep('restore', 'pg', plainBackupId, dataDir, '--standby-mode', '--get-wal', '--target-immediate');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.ok(existsSync(path.join(dataDir, 'standby.signal')));
    assert.ok(!existsSync(path.join(dataDir, 'recovery.signal')));
    assert.ok(!existsSync(path.join(dataDir, 'barkeep_wal')));
    const autoConf = readFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
    assert.match(autoConf, new RegExp(`^restore_command = '''${process.execPath}'' ''.*/bin/barkeep\\.js'' -c ''${configFile}'' get-wal ''pg'' %f -o %p'$`, 'm'));
    assert.doesNotMatch(autoConf, /^recovery_end_command/m);
    assert.doesNotMatch(autoConf, /^recovery_target_action/m);
    assert.match(autoConf, /^recovery_target = 'immediate'$/m);
  } finally {
    await removeTempDir(root);
  }
});

test('refused up front: --get-wal remotely without --get-wal-command, --drill with a DEST', async () => {
  const remote = await barkeep('restore', 'pg', '/tmp/nowhere', '--get-wal', '--remote-ssh-command', 'ssh postgres@localhost');
  assert.equal(remote.code, 2, remote.stderr);
  assert.match(remote.stderr, /needs --get-wal-command/);
  const drillWithDest = await barkeep('restore', 'pg', 'latest', '/tmp/nowhere', '--drill');
  assert.equal(drillWithDest.code, 2, drillWithDest.stderr);
  assert.match(drillWithDest.stderr, /--drill restores into a temporary folder/);
});

test('restore --drill runs a drill of the chosen backup and records it', async () => {
  const result = await barkeep('restore', 'pg', plainBackupId, '--drill', '--target-immediate');
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, new RegExp(`drill passed: backup ${plainBackupId} of server 'pg'`));
  const drills = JSON.parse((await barkeep('-f', 'json', 'list-drills', 'pg', '--last')).stdout) as { backupId: string; ok: boolean }[];
  assert.equal(drills[0]?.backupId, plainBackupId);
  assert.equal(drills[0]?.ok, true);
});
