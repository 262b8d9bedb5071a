/**
 * Backup method rsync against a real cluster (pgbench scale 10, one
 * tablespace) through a real sshd logged in as postgres: a full backup, an
 * incremental one that hard-links what did not change, a pinned host key that
 * does not match, a cancel mid-copy that leaves no backup running on the
 * server, and two backups through the orchestrator that pg_verifybackup accepts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../../shared/errors';
import type { BackupFileEntry, BackupMethodResult, PreviousBackup } from '../../src-main/engine/backup/backup-method';
import { runRsyncBackup } from '../../src-main/engine/backup/rsync/rsync-method';
import { runBackup } from '../../src-main/engine/backup/run-backup';
import { verifyBackup } from '../../src-main/engine/backup/verify-backup';
import { loadConfig } from '../../src-main/engine/config/load';
import type { ServerConfig } from '../../src-main/engine/config/load';
import { Engine } from '../../src-main/engine/engine';
import { backupFolder } from '../../src-main/engine/store/layout';
import type { JobContext, JobProgress } from '../../src-main/engine/jobs/job-queue';
import { runAsClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { writeMismatchedKnownHosts } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, removeTempDir } from '../support/temp-dir';
import { runBarkeep } from '../support/run-cli';
import { startClusterWithSshd } from '../support/cluster-with-sshd';
import { FileSecretStore, secretsFolder } from '../../src-main/engine/config/secret-store';
import { ServerName } from '../../shared/domain/names';

interface Recorded {
  ctx: JobContext;
  logs: string[];
  progress: JobProgress[];
}

function recordContext(controller = new AbortController(), onProgress?: (update: JobProgress) => void): Recorded {
  const logs: string[] = [];
  const progress: JobProgress[] = [];
  return {
    logs,
    progress,
    ctx: {
      signal: controller.signal,
      progress: (update) => {
        progress.push(update);
        onProgress?.(update);
      },
      log: (message, level = 'info') => logs.push(`${level}: ${message}`),
    },
  };
}

function toPrevious(backupId: string, dataFolder: string, result: BackupMethodResult): PreviousBackup {
  // As the orchestrator reads them back from a backup_manifest: whole seconds.
  const files = new Map<string, BackupFileEntry>(result.files.map((file) => [
    file.path, { ...file, mtime: new Date(Math.floor(file.mtime.getTime() / 1000) * 1000) },
  ]));
  return { backupId, dataFolder, files };
}

describe('backup method rsync', () => {
  let cluster: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let workDir = '';
  let tablespaceDir = '';
  let configFile = '';
  let servers: ServerConfig[] = [];
  let lockedKey = '';
  const keyPassphrase = 'Kp-rsync-7f3e-the-key-passphrase';
  let first: { dataFolder: string; result: BackupMethodResult } | undefined;

  const server = (name: string): ServerConfig => {
    const found = servers.find((candidate) => candidate.name === name);
    assert.ok(found, `server ${name} not in the configuration`);
    return found;
  };
  /** Sessions of `name`'s backups on the cluster: a failed backup leaves none (only a successful one's is kept). */
  const sessionsOf = (name: string): Promise<string> => cluster!.psql(`select count(*) from pg_stat_activity where application_name = 'barkeep backup ${name}'`);
  const newDataFolder = (name: string): string => {
    const folder = path.join(workDir, name, 'data');
    mkdirSync(folder, { recursive: true });
    return folder;
  };

  before(async () => {
    ({ cluster, sshd } = await startClusterWithSshd({ pgbenchScale: 10 }));
    workDir = await makeTempDir('backup-rsync');
    tablespaceDir = await makeTempDir('backup-rsync-ts', { owner: 'postgres' });
    await chownToPostgres(tablespaceDir);
    await cluster!.psql(`create tablespace spare location '${tablespaceDir}'`);
    await cluster!.psql('create table in_spare tablespace spare as select generate_series(1, 5000) as id');

    // A Barkeep home read by the real loader, as `barkeep backup` would.
    const home = path.join(workDir, 'home');
    const wrongKnownHosts = await writeMismatchedKnownHosts(sshd!);
    const ssh = (knownHosts: string): string =>
      `ssh -p ${sshd!.port} -i ${sshd!.privateKeyPath} -o UserKnownHostsFile=${knownHosts} postgres@127.0.0.1`;
    mkdirSync(path.join(home, 'conf.d'), { recursive: true });
    // The same client key, locked with a passphrase (ssh-keygen -p keeps the key, so sshd still accepts it).
    lockedKey = path.join(workDir, 'locked_ed25519');
    writeFileSync(lockedKey, readFileSync(sshd!.privateKeyPath), { mode: 0o600 });
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', keyPassphrase, '-f', lockedKey]);
    writeFileSync(path.join(home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${home}\n`);
    writeFileSync(path.join(home, 'conf.d', 'pg.conf'), [
      '[pg]',
      `conninfo = ${cluster!.conninfo}`,
      `ssh_command = ${ssh(sshd!.knownHostsFile)}`,
      'backup_method = rsync',
      'reuse_backup = link',
      'parallel_jobs = 2',
      'immediate_checkpoint = on',
      '',
      '[pg-zstd]',
      `conninfo = ${cluster!.conninfo}`,
      `ssh_command = ${ssh(sshd!.knownHostsFile)}`,
      'backup_method = rsync',
      'network_compression = on',
      '',
      '[pg-locked]',
      `conninfo = ${cluster!.conninfo}`,
      `ssh_command = ssh -p ${sshd!.port} -i ${lockedKey} -o UserKnownHostsFile=${sshd!.knownHostsFile} postgres@127.0.0.1`,
      'backup_method = rsync',
      '',
      '[pg-moved]',
      `conninfo = ${cluster!.conninfo}`,
      `ssh_command = ${ssh(wrongKnownHosts)}`,
      'backup_method = rsync',
      '',
    ].join('\n'));
    configFile = path.join(home, 'barkeep.conf');
    servers = loadConfig(configFile).servers;
  });

  after(async () => {
    if (workDir) await removeTempDir(workDir);
    await Promise.allSettled([cluster?.stop(), sshd?.stop()]);
    if (tablespaceDir) await removeTempDir(tablespaceDir);
  });

  it('takes a full backup: files arrive, what pg_basebackup skips does not', async () => {
    assert.ok(cluster);
    const dataFolder = newDataFolder('full');
    const recorded = recordContext();
    const result = await runRsyncBackup({
      server: server('pg'), backupId: '20250101T000000', dataFolder, previous: null, reuse: 'link', parallelJobs: 2, ctx: recorded.ctx,
    });
    first = { dataFolder, result };

    assert.equal(readFileSync(path.join(dataFolder, 'PG_VERSION'), 'utf8'), '15\n');
    assert.equal(statSync(path.join(dataFolder, 'global', 'pg_control')).size, 8192);
    const label = readFileSync(path.join(dataFolder, 'backup_label'), 'utf8');
    assert.match(label, new RegExp(`^START WAL LOCATION: ${result.beginLsn} \\(file ${result.beginWal}\\)$`, 'm'));
    assert.match(label, new RegExp(`^START TIMELINE: ${result.timeline}$`, 'm'));
    assert.match(label, /^LABEL: barkeep backup pg 20250101T000000$/m);
    assert.ok(!existsSync(path.join(dataFolder, 'postmaster.pid')), 'postmaster.pid is left out');
    assert.ok(!existsSync(path.join(dataFolder, 'postmaster.opts')), 'postmaster.opts is left out');
    assert.deepEqual(readdirSync(path.join(dataFolder, 'pg_wal')), ['archive_status'], 'pg_wal is kept, empty');
    assert.ok(existsSync(cluster.dataDir + '/pg_wal') && readdirSync(path.join(cluster.dataDir, 'pg_wal')).length > 1, 'the source has WAL that was not copied');

    // Server facts recorded as PostgreSQL reports them.
    const systemId = await cluster.psql('select system_identifier from pg_control_system()');
    assert.equal(result.systemId, systemId);
    assert.equal(result.pgVersionNum, Number(await cluster.psql('show server_version_num')));
    assert.equal(result.dataChecksums, true, 'initdb -k');
    assert.equal(result.walSegmentSize, 16 * 1024 * 1024);
    assert.ok(BigInt(`0x${result.endLsn.replace('/', '').padStart(16, '0')}`) >= BigInt(`0x${result.beginLsn.replace('/', '').padStart(16, '0')}`));

    // Every entry is a file on disk with that size; checksums are real.
    const byPath = new Map(result.files.map((file) => [file.path, file]));
    for (const file of result.files) assert.equal(statSync(path.join(dataFolder, file.path)).size, file.size, file.path);
    assert.ok(byPath.has('backup_label') && byPath.has('global/pg_control') && byPath.has('PG_VERSION'));
    assert.equal(byPath.get('PG_VERSION')?.sha256, createHash('sha256').update('15\n').digest('hex'));
    const control = readFileSync(path.join(dataFolder, 'global', 'pg_control'));
    assert.equal(byPath.get('global/pg_control')?.sha256, createHash('sha256').update(control).digest('hex'));
    assert.ok(result.files.every((file) => !file.reused));
    assert.ok(result.bytesTransferred > 100 * 1024 * 1024, `${result.bytesTransferred} bytes on the wire`);
    const lastProgress = recorded.progress.filter((update) => update.bytesTotal !== undefined).at(-1);
    assert.ok(lastProgress && lastProgress.bytesDone === lastProgress.bytesTotal, 'progress reaches its total');

    // The tablespace: its files under pg_tblspc/<oid> as a real folder, its location in tablespace_map.
    const oid = Number(await cluster.psql("select oid from pg_tablespace where spcname = 'spare'"));
    assert.deepEqual(result.tablespaces, [{ oid, name: 'spare', location: tablespaceDir }]);
    assert.equal(readFileSync(path.join(dataFolder, 'tablespace_map'), 'utf8'), `${oid} ${tablespaceDir}\n`);
    assert.ok(byPath.has('tablespace_map'));
    const inSpare = await cluster.psql("select pg_relation_filepath('in_spare')");
    assert.match(inSpare, new RegExp(`^pg_tblspc/${oid}/PG_15_\\d+/\\d+/\\d+$`));
    assert.ok(statSync(path.join(dataFolder, inSpare)).size > 0);
    assert.ok(byPath.has(inSpare));
    assert.ok(!lstatSync(path.join(dataFolder, 'pg_tblspc', String(oid))).isSymbolicLink(), 'a folder, not the server\'s symlink');
  });

  it('hard-links unchanged files after a confined change', async () => {
    assert.ok(cluster && first);
    await cluster.psql('update pgbench_branches set bbalance = bbalance + 1');
    await cluster.psql('update pgbench_tellers set tbalance = tbalance + 1');
    await cluster.psql('create table confined_change as select generate_series(1, 1000) as id');
    await cluster.psql('checkpoint');

    const dataFolder = newDataFolder('incremental');
    const recorded = recordContext();
    const result = await runRsyncBackup({
      server: server('pg'), backupId: '20250101T010000', dataFolder, previous: toPrevious('20250101T000000', first.dataFolder, first.result),
      reuse: 'link', parallelJobs: 2, ctx: recorded.ctx,
    });

    const accounts = await cluster.psql("select pg_relation_filepath('pgbench_accounts')");
    const accountFiles = result.files.filter((file) => file.path === accounts || file.path.startsWith(`${accounts}.`) || file.path.startsWith(`${accounts}_`));
    assert.ok(accountFiles.length >= 1);
    for (const file of accountFiles) {
      assert.equal(file.reused, true, `${file.path} reused`);
      assert.equal(statSync(path.join(dataFolder, file.path)).ino, statSync(path.join(first.dataFolder, file.path)).ino, `${file.path} shares its inode`);
    }
    const branches = await cluster.psql("select pg_relation_filepath('pgbench_branches')");
    assert.equal(result.files.find((file) => file.path === branches)?.reused, false, 'the changed table is copied');
    const created = await cluster.psql("select pg_relation_filepath('confined_change')");
    assert.equal(result.files.find((file) => file.path === created)?.reused, false, 'the new table is copied');

    const total = result.files.reduce((sum, file) => sum + file.size, 0);
    const own = result.files.filter((file) => !file.reused).reduce((sum, file) => sum + file.size, 0);
    assert.ok(own < total * 0.1, `own bytes ${own} of ${total}`);
    assert.ok(result.bytesTransferred < first.result.bytesTransferred * 0.1, `${result.bytesTransferred} bytes on the wire`);
    // pg_control arrives after every other file the server sent (linked files may still be landing then)
    const sent = result.files.filter((file) => !file.reused && file.path !== 'backup_label' && file.path !== 'tablespace_map').map((file) => file.path);
    assert.equal(sent.at(-1), 'global/pg_control', sent.join(', '));
    assert.match(readFileSync(path.join(dataFolder, 'backup_label'), 'utf8'), new RegExp(`^START WAL LOCATION: ${result.beginLsn} `, 'm'));
  });

  it('an incremental with most of the cluster to send: its files arrive whole, none linked', async () => {
    assert.ok(cluster && first);
    // A previous backup whose every file seems older than the server's: nothing matches by mtime.
    const previous = toPrevious('20250101T000000', first.dataFolder, first.result);
    const aged = { ...previous, files: new Map([...previous.files].map(([name, file]) => [name, { ...file, mtime: new Date(file.mtime.getTime() - 3_600_000) }])) };
    const dataFolder = newDataFolder('most-changed');
    const recorded = recordContext();
    const result = await runRsyncBackup({ server: server('pg'), backupId: '20250101T014500', dataFolder, previous: aged, reuse: 'link', parallelJobs: 2, ctx: recorded.ctx });
    assert.equal(result.files.filter((file) => file.reused).length, 0);
    const accounts = await cluster.psql("select pg_relation_filepath('pgbench_accounts')");
    const stored = createHash('sha256').update(readFileSync(path.join(dataFolder, accounts))).digest('hex');
    assert.equal(stored, first.result.files.find((file) => file.path === accounts)!.sha256);
    assert.equal(statSync(path.join(dataFolder, accounts)).nlink, 1, 'a file of its own, not a link');
  });

  it('a file gone from the previous backup is sent again, after the streams, while the rest is linked', async () => {
    assert.ok(cluster && first);
    const accounts = await cluster.psql("select pg_relation_filepath('pgbench_accounts')");
    const expected = first.result.files.find((file) => file.path === accounts)!;
    rmSync(path.join(first.dataFolder, accounts));
    const dataFolder = newDataFolder('after-loss');
    const recorded = recordContext();
    const result = await runRsyncBackup({
      server: server('pg'), backupId: '20250101T013000', dataFolder, previous: toPrevious('20250101T000000', first.dataFolder, first.result),
      reuse: 'link', parallelJobs: 2, ctx: recorded.ctx,
    });
    const resent = result.files.find((file) => file.path === accounts)!;
    assert.equal(resent.reused, false, 'sent, not reused');
    assert.equal(resent.sha256, expected.sha256, 'the same content as the first backup had');
    assert.equal(statSync(path.join(dataFolder, accounts)).size, expected.size);
    assert.ok(result.files.filter((file) => file.reused).length > 100, 'the other unchanged files are still linked');
    assert.ok(recorded.logs.some((line) => line.includes('1 files were missing from backup 20250101T000000: sending them again')), recorded.logs.join('\n'));
    // pg_control is sent again after the resent file, and listed once
    const paths = result.files.map((file) => file.path);
    assert.deepEqual(paths.filter((file) => file === 'global/pg_control'), ['global/pg_control']);
    assert.ok(paths.indexOf('global/pg_control') > paths.indexOf(accounts), 'pg_control after the resent file');
    const lastProgress = recorded.progress.filter((update) => update.bytesTotal !== undefined).at(-1);
    assert.ok(lastProgress && lastProgress.bytesDone === lastProgress.bytesTotal, 'progress reaches its total, the resent file included');
  });

  it('network_compression: zstd on the wire, the files as the uncompressed backup stored them', async () => {
    assert.ok(first);
    const dataFolder = newDataFolder('zstd');
    const recorded = recordContext();
    const result = await runRsyncBackup({
      server: server('pg-zstd'), backupId: '20250101T010500', dataFolder, previous: null, reuse: 'off', parallelJobs: 2, ctx: recorded.ctx,
    });
    assert.ok(recorded.logs.includes('info: network compression: zstd -1'), recorded.logs.join('\n'));
    const stored = result.files.reduce((sum, file) => sum + file.size, 0);
    assert.ok(result.bytesTransferred * 5 < stored, `${result.bytesTransferred} bytes on the wire for ${stored} stored`);
    for (const file of result.files) assert.equal(statSync(path.join(dataFolder, file.path)).size, file.size, file.path);
    // pgbench_accounts was not written since the first backup: the same bytes, however they travelled.
    const accounts = await cluster!.psql("select pg_relation_filepath('pgbench_accounts')");
    const sha = (files: readonly { path: string; sha256: string }[]): string | undefined => files.find((file) => file.path === accounts)?.sha256;
    assert.ok(sha(result.files));
    assert.equal(sha(result.files), sha(first.result.files));
    assert.equal(createHash('sha256').update(readFileSync(path.join(dataFolder, accounts))).digest('hex'), sha(first.result.files));
  });

  it('refuses a host whose key does not match before copying anything', async () => {
    assert.ok(cluster);
    const dataFolder = newDataFolder('moved');
    const recorded = recordContext();
    await assert.rejects(
      runRsyncBackup({ server: server('pg-moved'), backupId: '20250101T020000', dataFolder, previous: null, reuse: 'off', parallelJobs: 1, ctx: recorded.ctx }),
      (error: unknown) => {
        assert.ok(error instanceof EngineError, String(error));
        assert.equal(error.code, 'ssh-host-key-mismatch');
        assert.match(error.message, /does not match the pinned key/);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dataFolder), []);
    assert.equal(await sessionsOf('pg-moved'), '0', 'no session of the failed backup stays (a successful backup\'s may be kept)');
  });

  it('cancelled mid-copy: rejects as cancelled and the server backup is stopped', async () => {
    assert.ok(cluster);
    const dataFolder = newDataFolder('cancelled');
    const controller = new AbortController();
    const recorded = recordContext(controller, (update) => {
      if ((update.bytesDone ?? 0) > 20 * 1024 * 1024) controller.abort();
    });
    await assert.rejects(
      runRsyncBackup({ server: server('pg'), backupId: '20250101T030000', dataFolder, previous: null, reuse: 'off', parallelJobs: 2, ctx: recorded.ctx }),
      (error: unknown) => {
        assert.ok(error instanceof EngineError, String(error));
        assert.equal(error.code, 'cancelled');
        return true;
      },
    );
    assert.ok(controller.signal.aborted, 'cancelled while copying, not after');
    assert.ok(recorded.logs.some((line) => /backup was stopped on the server/.test(line)), recorded.logs.join('\n'));
    assert.equal(await sessionsOf('pg'), '0', 'no session of the failed backup stays (a successful backup\'s may be kept)');
    // A new backup can start and stop at once: nothing is left waiting on the server.
    const started = await runAsClusterOwner(path.join(cluster.binDir, 'psql'), [
      '-X', '-Atq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-d', 'postgres',
      '-c', "select pg_backup_start('after cancel', true)", '-c', 'select labelfile is not null from pg_backup_stop(false)',
    ]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /\nt\n?$/);
  });

  it('a full volume fails the backup as io-failed and stops the backup on the server', async () => {
    assert.ok(cluster);
    const small = path.join(workDir, 'small-volume');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', small]);
    try {
      const recorded = recordContext();
      await assert.rejects(
        runRsyncBackup({ server: server('pg'), backupId: '20250101T040000', dataFolder: small, previous: null, reuse: 'off', parallelJobs: 2, ctx: recorded.ctx }),
        (error: unknown) => {
          assert.ok(error instanceof EngineError, String(error));
          assert.equal(error.code, 'io-failed');
          assert.match(error.message, /unable to write backup files into '.*small-volume': .*no space left on device/);
          return true;
        },
      );
      assert.ok(recorded.logs.some((line) => /backup was stopped on the server/.test(line)), recorded.logs.join('\n'));
      assert.equal(await sessionsOf('pg'), '0', 'no session of the failed backup stays (a successful backup\'s may be kept)');
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('through the orchestrator: two backups pg_verifybackup accepts, the second hard-linked to the first', async () => {
    assert.ok(cluster);
    const engine = Engine.open({ configFile });
    try {
      const backup = async (): Promise<Awaited<ReturnType<typeof runBackup>>> => {
        const handle = engine.jobs.submit({
          kind: 'backup', server: engine.server('pg').name, title: 'backup pg',
          run: (ctx) => runBackup({ catalog: engine.catalog }, engine.server('pg'), {}, ctx),
        });
        return handle.done;
      };
      const full = await backup();
      await cluster.psql('update pgbench_tellers set tbalance = tbalance - 1');
      await cluster.psql('checkpoint');
      const incremental = await backup();
      for (const info of [full, incremental]) {
        assert.equal(info.status, 'DONE');
        const report = await verifyBackup(engine.server('pg'), info);
        assert.equal(report.ok, true, JSON.stringify(report, null, 2));
        assert.equal(report.pgVerifybackup.status, 'passed');
      }
      const accounts = await cluster.psql("select pg_relation_filepath('pgbench_accounts')");
      const fileOf = (id: string): string => path.join(backupFolder(engine.server('pg'), id), 'data', accounts);
      assert.equal(statSync(fileOf(incremental.backupId)).ino, statSync(fileOf(full.backupId)).ino);
    } finally {
      await engine.close();
    }
  });

  it('a passphrase-protected key: refused without its stored passphrase, the backup runs with it, and the passphrase is never printed', async () => {
    const barkeep = (...args: string[]) => runBarkeep(['-c', configFile, ...args]);
    const refused = await barkeep('backup', 'pg-locked');
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /unable to load ssh private key .*passphrase/i);
    // The ssh check logs in as the backup does: it fails the same way, and passes once the passphrase is stored.
    const sshLine = (stdout: string): string => stdout.split('\n').find((line) => line.startsWith('\tssh: ')) ?? `no ssh line in:\n${stdout}`;
    const checkedLocked = await barkeep('check', 'pg-locked');
    assert.match(sshLine(checkedLocked.stdout), /^\tssh: FAILED \(unable to load ssh private key .*passphrase/i);

    new FileSecretStore(secretsFolder(path.join(workDir, 'home'))).write(ServerName.parse('pg-locked'), { sshKeyPassphrase: keyPassphrase });
    const checkedUnlocked = await barkeep('check', 'pg-locked');
    assert.equal(sshLine(checkedUnlocked.stdout), '\tssh: OK (PostgreSQL server)');
    const taken = await barkeep('backup', 'pg-locked');
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(taken.stdout, /backup \d{8}T\d{6} of server 'pg-locked': (DONE|WAITING_FOR_WALS)/);
    for (const text of [refused.stdout, refused.stderr, checkedLocked.stdout, checkedUnlocked.stdout, taken.stdout, taken.stderr]) assert.ok(!text.includes(keyPassphrase));
    for (const name of readdirSync(path.join(workDir, 'home', 'conf.d'))) {
      assert.ok(!readFileSync(path.join(workDir, 'home', 'conf.d', name), 'utf8').includes(keyPassphrase));
    }
  });

  it('parallel_jobs beyond what one SSH connection carries: fewer tar streams, said so, and checksums compared beside them', async () => {
    assert.ok(cluster);
    // Same size and mtime as in the full, but modified after it started: the incremental compares it by checksum
    // on the server while its tar streams are open (an mtime an hour ahead does that without waiting).
    const versionFile = path.join(cluster.dataDir, 'PG_VERSION');
    const { atime, mtime } = statSync(versionFile);
    const ahead = new Date((Math.floor(Date.now() / 1000) + 3600) * 1000);
    utimesSync(versionFile, ahead, ahead);
    try {
      const full = recordContext();
      const fullFolder = newDataFolder('many-streams-full');
      const fullResult = await runRsyncBackup({ server: server('pg'), backupId: '20250104T000000', dataFolder: fullFolder, previous: null, reuse: 'link', parallelJobs: 12, ctx: full.ctx });
      assert.ok(full.logs.some((line) => /parallel_jobs 12: 6 tar streams/.test(line)), full.logs.join('\n'));
      const incremental = recordContext();
      const result = await runRsyncBackup({
        server: server('pg'), backupId: '20250104T000001', dataFolder: newDataFolder('many-streams-incremental'),
        previous: toPrevious('20250104T000000', fullFolder, fullResult), reuse: 'link', parallelJobs: 12, ctx: incremental.ctx,
      });
      assert.ok(incremental.logs.some((line) => /compared \d+ recently modified files .* by checksum on the server .*: [1-9]\d* unchanged/.test(line)), incremental.logs.join('\n'));
      assert.equal(result.files.find((file) => file.path === 'PG_VERSION')?.reused, true);
      assert.ok(result.files.some((file) => file.path === 'global/pg_control' && !file.reused));
    } finally {
      utimesSync(versionFile, atime, mtime);
    }
  });
});
