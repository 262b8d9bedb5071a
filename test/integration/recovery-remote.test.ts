// Restore over SSH on a real cluster and a real sshd, through the real
// `barkeep restore --remote-ssh-command`: WAL archived into Barkeep's archive,
// a backup with method postgres, marker rows around a named restore point. The
// restore lands in a postgres-owned folder through the sshd (login as postgres),
// the cluster starts there and holds exactly the markers before the target. A
// wrong pinned host key and a non-empty remote folder are refused, nothing written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runAsClusterOwner, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { freePort } from '../support/free-port';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { startTestSshd, writeMismatchedKnownHosts, type TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let sshd: TestSshd;
let configFile: string;

const barkeep = (...args: string[]) => runBarkeep(['-c', configFile, ...args]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sshCommand = (knownHosts = sshd.knownHostsFile) =>
  `ssh postgres@${sshd.host} -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${knownHosts}`;

before(async () => {
  sshd = await startTestSshd();
  fixture = await startArchivedCluster('remote');
  ({ cluster, configFile } = fixture);
  await cluster.psql('create table markers (id int primary key, note text not null)');
  const backup = await barkeep('backup', 'pg', '--wait', '--wait-timeout', '60');
  assert.equal(backup.code, 0, backup.stderr);

  const insert = async (id: number): Promise<void> => {
    await cluster.psql(`insert into markers (id, note) values (${id}, 'm${id}')`);
    await cluster.psql('select pg_switch_wal()');
  };
  await insert(1);
  await insert(2);
  await cluster.psql("select pg_create_restore_point('before_m3')");
  await insert(3);
  const lastWal = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  for (let waited = 0; (await cluster.psql('select last_archived_wal from pg_stat_archiver')) < lastWal; waited += 200) {
    if (waited > 30_000) assert.fail(`wal ${lastWal} was not archived within 30 s`);
    await sleep(200);
  }
  const archived = await barkeep('archive-wal', 'pg');
  assert.equal(archived.code, 0, archived.stdout + archived.stderr);
});

after(async () => {
  await fixture?.stop();
  await sshd?.stop();
});

test('restore over ssh into a postgres-owned folder; the cluster starts there and reaches the target', async () => {
  const root = await makeTempDir('remote-restore', { owner: 'postgres' });
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const pgCtl = path.join(cluster.binDir, 'pg_ctl');
  const unregister = registerExitCleanup(() => {
    execFileSync('runuser', ['-u', 'postgres', '--', pgCtl, 'stop', '-D', dataDir, '-m', 'immediate'], { cwd: '/', stdio: 'ignore' });
  });
  try {
    const result = await barkeep('restore', 'pg', dataDir, '--remote-ssh-command', sshCommand(), '--target-name', 'before_m3', '--target-action', 'promote');
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

    mkdirSync(socketDir);
    await chownToPostgres(socketDir);
    const port = await freePort();
    const logFile = path.join(root, 'postgresql.log');
    const started = await runAsClusterOwner(pgCtl, ['-D', dataDir, '-l', logFile, '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`, '-w', 'start']);
    assert.equal(started.code, 0, `${started.stderr}\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : ''}`);
    const psql = async (sql: string): Promise<string> => {
      const out = await runAsClusterOwner(path.join(cluster.binDir, 'psql'), ['-X', '-Atq', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql]);
      if (out.code !== 0) throw new Error(out.stderr);
      return out.stdout.trim();
    };
    for (let waited = 0; (await psql('select pg_is_in_recovery()')) !== 'f'; waited += 200) {
      if (waited > 60_000) assert.fail(`the restored cluster did not promote: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      await sleep(200);
    }
    assert.equal(await psql("select string_agg(id || ':' || note, ',' order by id) from markers"), '1:m1,2:m2');
    assert.ok(!existsSync(path.join(dataDir, 'barkeep_wal')), 'recovery_end_command removed the copied wal');
  } finally {
    await stopCluster(dataDir, cluster.binDir, 'immediate').catch(() => undefined);
    unregister();
    await removeTempDir(root);
  }
});

test('a wrong pinned host key is refused before anything is written', async () => {
  const root = await makeTempDir('remote-hostkey', { owner: 'postgres' });
  try {
    const dest = path.join(root, 'data');
    const result = await barkeep('restore', 'pg', dest, '--remote-ssh-command', sshCommand(await writeMismatchedKnownHosts(sshd)));
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
    const busy = await barkeep('restore', 'pg', root, '--remote-ssh-command', sshCommand());
    assert.equal(busy.code, 1, busy.stdout);
    assert.match(busy.stderr, /^ERROR: the destination '.*' on ssh postgres@127\.0\.0\.1:\d+ is not empty \(keep-me\)/);
    assert.deepEqual(readdirSync(root), ['keep-me']);

    const dest = path.join(root, 'data');
    const dry = await barkeep('restore', 'pg', dest, '--remote-ssh-command', sshCommand(), '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: .* nothing was written/);
    assert.deepEqual(readdirSync(root), ['keep-me']);
  } finally {
    await removeTempDir(root);
  }
});
