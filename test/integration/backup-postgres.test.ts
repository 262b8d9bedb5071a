// Backups with method `postgres` on a real pgbench cluster through the real
// `barkeep` command: pg_verifybackup accepts them, --wait waits for the WAL
// archive_command delivers, a second backup after a confined change hard-links
// the unchanged files, list-backup and show-backup print them, a throwaway
// cluster started from a copy of a backup plus archived WAL reaches
// consistency with the rows, and tablespaces land in pg_tblspc/<oid> with a
// tablespace_map. Our manifest writer is checked byte for byte against PostgreSQL's.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { parseManifest, renderManifest } from '../../src-main/engine/backup/manifest';
import { runAsClusterOwner, startCluster, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { freePort } from '../support/free-port';
import { runBarkeep } from '../support/run-cli';
import { chownToPostgres, makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

let cluster: TestCluster;
let archiveDir: string;
let incomingDir: string;
let home: string;
let configFile: string;
let first: BackupInfo;
let second: BackupInfo;

before(async () => {
  // archive_command copies into a folder of its own: the restore test replays from it.
  archiveDir = await makeTempDir('backup-pg-archive', { owner: 'postgres' });
  // Also into Barkeep's incoming/, renamed into place as put-wal would (dot files are in-flight).
  incomingDir = await makeTempDir('backup-pg-incoming', { owner: 'postgres' });
  const intoIncoming = `cp %p ${incomingDir}/.%f.tmp && mv ${incomingDir}/.%f.tmp ${incomingDir}/%f`;
  cluster = await startTestCluster({ pgbenchScale: 10, settings: { archive_command: `cp %p ${archiveDir}/%f && ${intoIncoming}` } });
  home = await makeTempDir('backup-pg-home');
  mkdirSync(path.join(home, 'conf.d'));
  configFile = path.join(home, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  writeFileSync(path.join(home, 'conf.d', 'pg.conf'), [
    '[pg]', `conninfo = ${cluster.conninfo}`, 'backup_method = postgres', 'reuse_backup = link', 'immediate_checkpoint = on', 'minimum_redundancy = 1',
    `incoming_wals_directory = ${incomingDir}`, '',
  ].join('\n'));
});

after(async () => {
  await cluster?.stop();
  if (home) await removeTempDir(home);
  if (archiveDir) await removeTempDir(archiveDir);
  if (incomingDir) await removeTempDir(incomingDir);
});

const barkeep = (...args: string[]) => runBarkeep(['-c', configFile, ...args]);
const backupFolder = (id: string): string => path.join(home, 'pg', 'base', id);

async function listBackups(): Promise<BackupInfo[]> {
  const result = await barkeep('-f', 'json', 'list-backup', 'pg');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as BackupInfo[];
}

function pgVerifybackup(id: string): string {
  const folder = backupFolder(id);
  return execFileSync(path.join(cluster.binDir, 'pg_verifybackup'), ['-n', '-m', path.join(folder, 'backup_manifest'), path.join(folder, 'data')], { encoding: 'utf8' });
}

test('a full backup with method postgres and --wait, accepted by pg_verifybackup', async () => {
  const result = await barkeep('backup', 'pg', '--wait', '--wait-timeout', '60');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /waiting for wal file 00000001[0-9A-F]{16} to be archived/);
  assert.match(result.stdout, /^backup \d{8}T\d{6} of server 'pg': DONE, [\d.]+ MiB in \d+ files/);
  const [latest] = await listBackups();
  assert.ok(latest);
  first = latest;
  assert.equal(first.status, 'DONE');
  assert.equal(first.method, 'postgres');
  assert.equal(first.reusedFiles, 0);
  assert.ok(first.sizeBytes > 150 * 1024 * 1024, `a scale 10 cluster is about 160 MB, got ${first.sizeBytes}`);
  assert.equal(first.ownBytes, first.sizeBytes, 'a first backup owns all its bytes, and no more than its size');
  assert.match(first.beginWal ?? '', /^00000001[0-9A-F]{16}$/);
  assert.equal(first.systemId, await cluster.psql('select system_identifier from pg_control_system()'));
  assert.equal(first.dataChecksums, true);
  assert.ok(!existsSync(path.join(home, 'pg', 'base', `.incoming-${first.backupId}`)));
  assert.match(pgVerifybackup(first.backupId), /backup successfully verified/);
});

test('after a confined change, the second backup hard-links the unchanged files', async () => {
  await cluster.psql('update pgbench_branches set bbalance = bbalance + 7; update pgbench_tellers set tbalance = tbalance + 7');
  await cluster.psql('create table barkeep_new as select g as id, md5(g::text) as note from generate_series(1, 5000) g');
  const result = await barkeep('backup', 'pg', '--name', 'after-change');
  assert.equal(result.code, 0, result.stderr);
  const [latest] = await listBackups();
  assert.ok(latest && latest.backupId > first.backupId);
  second = latest;
  assert.equal(second.name, 'after-change');
  assert.equal(second.reusedFrom, first.backupId);
  assert.ok((second.reusedFiles ?? 0) > 0.8 * (second.files ?? 0), `${second.reusedFiles} of ${second.files} files reused`);

  const accounts = await cluster.psql("select pg_relation_filepath('pgbench_accounts')");
  const branches = await cluster.psql("select pg_relation_filepath('pgbench_branches')");
  const inode = (id: string, file: string): number => statSync(path.join(backupFolder(id), 'data', file)).ino;
  assert.equal(inode(first.backupId, accounts), inode(second.backupId, accounts), 'pgbench_accounts is unchanged: one inode for both');
  assert.notEqual(inode(first.backupId, branches), inode(second.backupId, branches), 'pgbench_branches changed: stored anew');
  assert.ok(statSync(path.join(backupFolder(second.backupId), 'data', accounts)).nlink >= 2);

  // Own bytes: what only the second backup holds is a small fraction of it.
  assert.ok(second.ownBytes !== null && second.ownBytes < 0.1 * second.sizeBytes, `own ${second.ownBytes} of ${second.sizeBytes}`);
  const firstNow = (await listBackups()).find((backup) => backup.backupId === first.backupId)!;
  assert.ok(firstNow.ownBytes !== null && firstNow.ownBytes < 0.1 * firstNow.sizeBytes, 'the first backup now shares most of its files');
  assert.match(pgVerifybackup(second.backupId), /backup successfully verified/);
  assert.match(pgVerifybackup(first.backupId), /backup successfully verified/, 'linking never changed the first backup');
});

test('list-backup, show-backup and verify-backup through the command line', async () => {
  const list = await barkeep('list-backup', 'pg');
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, new RegExp(`^pg ${second.backupId} 'after-change' - \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4} - Size: [\\d.]+ MiB - WAL Size: [\\d.]+ (B|KiB|MiB)$`));
  // The WAL archive_command delivered (and --wait archived) from the first backup on counts as its WAL.
  assert.match(lines[1]!, new RegExp(`^pg ${first.backupId} - .* - Size: [\\d.]+ MiB - WAL Size: [1-9][\\d.]* (KiB|MiB)$`));

  const show = await barkeep('show-backup', 'pg', 'latest');
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`^Backup ${second.backupId}:`));
  for (const pattern of [/status: +DONE/, /method: +postgres/, /begin wal: +00000001/, /end lsn: +[0-9A-F]+\/[0-9A-F]+/,
    /reused files: +\d+ \([\d.]+ MiB\) from \d{8}T\d{6}/, /disk usage: +[\d.]+ (KiB|MiB) own of [\d.]+ MiB/, new RegExp(`previous backup: +${first.backupId}`)]) {
    assert.match(show.stdout, pattern);
  }
  const oldest = await barkeep('-f', 'json', 'show-backup', 'pg', 'oldest');
  assert.equal((JSON.parse(oldest.stdout) as BackupInfo).backupId, first.backupId);
  const unknown = await barkeep('show-backup', 'pg', 'last-failed');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^ERROR: server 'pg' has no failed backup/);

  const verify = await barkeep('verify-backup', 'pg', second.backupId);
  assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  assert.match(verify.stdout, /checksums: ok \(\d+ files/);
  assert.match(verify.stdout, /pg_verifybackup: passed: backup successfully verified/);
});

test('a cluster started from a copy of the backup and the archived WAL reaches consistency with the rows', async () => {
  // The end WAL of the backup must be archived (BASE_BACKUP switched to a new segment at its end).
  const endWal = second.endWal!;
  for (let waited = 0; !existsSync(path.join(archiveDir, endWal)); waited += 200) {
    if (waited > 30_000) assert.fail(`wal file ${endWal} was not archived within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const restoreRoot = await makeTempDir('backup-pg-restore', { owner: 'postgres' });
  const dataDir = path.join(restoreRoot, 'data');
  const socketDir = path.join(restoreRoot, 'socket');
  execFileSync('cp', ['-a', path.join(backupFolder(second.backupId), 'data'), dataDir]);
  mkdirSync(socketDir);
  const port = await freePort();
  appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), [
    '', `port = ${port}`, `unix_socket_directories = '${socketDir}'`, 'archive_mode = off',
    `restore_command = 'cp ${archiveDir}/%f %p'`, '',
  ].join('\n'));
  writeFileSync(path.join(dataDir, 'recovery.signal'), '');
  await chownToPostgres(restoreRoot);
  const unregister = registerExitCleanup(() => {
    execFileSync('runuser', ['-u', 'postgres', '--', path.join(cluster.binDir, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate'], { cwd: '/', stdio: 'ignore' });
  });
  try {
    await startCluster(dataDir, cluster.binDir, path.join(restoreRoot, 'postgresql.log'));
    const psql = async (sql: string): Promise<string> => {
      const result = await runAsClusterOwner(path.join(cluster.binDir, 'psql'), ['-X', '-Atq', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql]);
      if (result.code !== 0) throw new Error(result.stderr);
      return result.stdout.trim();
    };
    // pg_ctl -w returns before recovery has replayed everything and promoted.
    for (let waited = 0; (await psql('select pg_is_in_recovery()')) !== 'f'; waited += 250) {
      if (waited > 60_000) assert.fail(`the restored cluster did not finish recovery: ${readFileSync(path.join(restoreRoot, 'postgresql.log'), 'utf8').slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(await psql('select count(*) from barkeep_new'), '5000');
    assert.equal(await psql('select count(*) from pgbench_accounts'), '1000000');
    assert.equal(await psql('select min(bbalance) from pgbench_branches'), '7');
  } finally {
    await stopCluster(dataDir, cluster.binDir, 'immediate').catch(() => undefined);
    unregister();
    await removeTempDir(restoreRoot);
  }
});

test("our manifest writer reproduces PostgreSQL's own backup_manifest byte for byte", async () => {
  const target = await makeTempDir('backup-pg-basebackup');
  try {
    execFileSync(path.join(cluster.binDir, 'pg_basebackup'), [
      '-D', path.join(target, 'data'), '-Fp', '-X', 'none', '-c', 'fast', '--no-sync', '--manifest-checksums=SHA256',
      '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres',
    ], { stdio: 'pipe' });
    const original = readFileSync(path.join(target, 'data', 'backup_manifest'), 'utf8');
    const parsed = parseManifest(original, 'pg_basebackup');
    assert.equal(parsed.checksumValid, true);
    const files = parsed.files.map((file) => ({ path: file.path, size: file.size, mtime: file.mtime, sha256: file.checksum!, reused: false }));
    assert.equal(renderManifest(files, parsed.walRanges).text, original);
  } finally {
    await removeTempDir(target);
  }
});

test('a tablespace lands in pg_tblspc/<oid> as a folder, with its tablespace_map line', async () => {
  const location = await makeTempDir('backup-pg-tblspc', { owner: 'postgres' });
  try {
    await cluster.psql(`create tablespace barkeep_ts location '${location}'`);
    await cluster.psql('create table in_ts tablespace barkeep_ts as select g as id from generate_series(1, 20000) g');
    const oid = await cluster.psql("select oid from pg_tablespace where spcname = 'barkeep_ts'");
    const result = await barkeep('backup', 'pg');
    assert.equal(result.code, 0, result.stderr);
    const [latest] = await listBackups();
    assert.deepEqual(latest?.tablespaces, [{ oid: Number(oid), name: 'barkeep_ts', location }]);
    const data = path.join(backupFolder(latest.backupId), 'data');
    assert.equal(readFileSync(path.join(data, 'tablespace_map'), 'utf8'), `${oid} ${location}\n`);
    const folder = path.join(data, 'pg_tblspc', oid);
    assert.ok(statSync(folder).isDirectory() && !lstatSync(folder).isSymbolicLink());
    const relation = (await cluster.psql("select pg_relation_filepath('in_ts')")).replace(/^pg_tblspc\//, '');
    assert.equal(statSync(path.join(data, 'pg_tblspc', relation)).size, statSync(path.join(cluster.dataDir, 'pg_tblspc', relation)).size);
    assert.match(pgVerifybackup(latest.backupId), /backup successfully verified/);
  } finally {
    await cluster.psql('drop table if exists in_ts');
    await cluster.psql('drop tablespace if exists barkeep_ts');
    await removeTempDir(location);
  }
});

test('backup_checksums = local: Barkeep hashes on arrival (the server sends none), links unchanged files, and pg_verifybackup agrees', async () => {
  const serverFile = path.join(home, 'conf.d', 'pg.conf');
  const original = readFileSync(serverFile, 'utf8');
  writeFileSync(serverFile, `${original}backup_checksums = local\n`);
  try {
    await cluster.psql('update pgbench_branches set bbalance = bbalance + 1 where bid = 1');
    const previous = (await listBackups())[0]!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // backup ids have a one-second resolution
    const result = await barkeep('backup', 'pg');
    assert.equal(result.code, 0, result.stderr);
    const [latest] = await listBackups();
    assert.notEqual(latest!.backupId, previous.backupId);
    assert.equal(latest!.reusedFrom, previous.backupId);
    assert.ok((latest!.reusedFiles ?? 0) > 0.8 * (latest!.files ?? 0), `${latest!.reusedFiles} of ${latest!.files} files reused`);
    assert.match(pgVerifybackup(latest!.backupId), /backup successfully verified/);
  } finally {
    writeFileSync(serverFile, original);
  }
});
