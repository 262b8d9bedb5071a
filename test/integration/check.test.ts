/**
 * `barkeep check` against real parts: a cluster archiving into Barkeep's
 * incoming/ with archive_command, pg_receivewal streaming from the slot into
 * streaming/, a real sshd for the ssh line. Healthy first (all OK, Nagios OK),
 * then each fault the issue names: slot dropped, archive_mode off, another
 * cluster's system id; plus a no-op archive_command, a role without backup
 * privileges and an ssh_command that cannot log in.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { lookupClusterOwner, startCluster, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { writeStoreIdentity } from '../../src-main/engine/store/identity-file';
import { acquireArchiverLock, type ArchiverLock } from '../../src-main/engine/wal/archiver-lock';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { runBarkeep, type CliResult } from '../support/run-cli';
import { writeMismatchedKnownHosts, type TestSshd } from '../support/sshd';
import { makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';
import { startClusterWithSshd } from '../support/cluster-with-sshd';

describe('barkeep check', () => {
  let primary: TestCluster | undefined;
  let other: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let home = '';
  let receiver: ChildProcess | null = null;
  let unregisterReceiver: (() => void) | null = null;
  let lock: ArchiverLock | null = null;
  const store = (): string => path.join(home, 'main');
  const configFile = (): string => path.join(home, 'barkeep.conf');
  const serverFile = (name: string): string => path.join(home, 'conf.d', `${name}.conf`);
  const check = (...args: string[]): Promise<CliResult> => runBarkeep(['-c', configFile(), 'check', ...args]);

  before(async () => {
    ({ cluster: primary, sshd } = await startClusterWithSshd());

    // The store: incoming/ belongs to postgres, whose archive_command copies into it.
    home = await makeTempDir('check', { owner: 'postgres' });
    await mkdir(path.join(home, 'conf.d'));
    await mkdir(store(), { mode: 0o755 });
    const incoming = path.join(store(), 'incoming');
    await mkdir(incoming, { mode: 0o700 });
    const owner = await lookupClusterOwner();
    await chown(incoming, owner.uid, owner.gid);
    await writeFile(configFile(), `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
    await writeMainConfig(primary.conninfo);

    // archive_command into incoming/, and a slot pg_receivewal streams from into streaming/.
    await primary.psql(`alter system set archive_command = 'cp %p ${incoming}/%f'`);
    await primary.psql('select pg_reload_conf()');
    await primary.psql("select pg_create_physical_replication_slot('barkeep')");
    await startReceiver(primary);
    // receive-wal is this test process for the duration; the store belongs to the primary.
    lock = acquireArchiverLock('main', store());
    const systemId = await primary.psql('select system_identifier from pg_control_system()');
    writeStoreIdentity({ backupDirectory: store(), walsDirectory: '', streamingWalsDirectory: '', incomingWalsDirectory: '', errorsDirectory: '' },
      { systemId, pgVersion: '15', learntAt: new Date().toISOString() });

    // A completed segment, arrived both ways.
    await primary.psql('create table t as select generate_series(1, 1000) as i');
    const closed = await primary.psql('select pg_walfile_name(pg_switch_wal())');
    await waitFor(`${closed} in incoming/ and streaming/`, async () =>
      (await exists(path.join(incoming, closed))) && (await exists(path.join(store(), 'streaming', closed))));
  });

  after(async () => {
    await stopReceiver();
    lock?.release();
    await Promise.allSettled([primary?.stop(), other?.stop(), sshd?.stop()]);
    if (home) await removeTempDir(home);
  });

  async function writeMainConfig(conninfo: string, extra: string[] = ['same_host_backups = accepted']): Promise<void> {
    assert.ok(sshd);
    const sshCommand = `ssh -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${sshd.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes postgres@127.0.0.1`;
    await writeFile(serverFile('main'), [
      '[main]',
      `conninfo = ${conninfo}`,
      'backup_method = rsync',
      `ssh_command = ${sshCommand}`,
      'archiver = on',
      'streaming_archiver = on',
      'slot_name = barkeep',
      'compression = gzip',
      'retention_policy = RECOVERY WINDOW OF 7 DAYS',
      ...extra,
      '',
    ].join('\n'));
  }

  async function startReceiver(cluster: TestCluster): Promise<void> {
    const streaming = path.join(store(), 'streaming');
    await mkdir(streaming, { recursive: true });
    const child = spawn('pg_receivewal', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-D', streaming, '-S', 'barkeep', '--no-loop', '-w'],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    receiver = child;
    unregisterReceiver = registerExitCleanup(() => child.kill('SIGKILL'));
    await waitFor('slot barkeep active', async () =>
      (await cluster.psql("select active from pg_replication_slots where slot_name = 'barkeep'")) === 't');
  }

  async function stopReceiver(): Promise<void> {
    const child = receiver;
    receiver = null;
    if (child === null) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    unregisterReceiver?.();
  }

  it('says every check is OK on a healthy server, exit 0, and saves the results as its health', async () => {
    const result = await check('main');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 23), [
      'Server main:',
      '\tWAL archive: OK',
      '\tPostgreSQL: OK',
      '\tsuperuser or standard user with backup privileges: OK',
      '\tPostgreSQL streaming: OK',
      '\twal_level: OK',
      '\treplication slot: OK',
      '\tdirectories: OK',
      '\tretention policy settings: OK',
      '\tbackup maximum age: OK (no last_backup_maximum_age provided)',
      '\tbackup minimum size: OK (0 B)',
      '\twal maximum age: OK (no last_wal_maximum_age provided)',
      '\tcompression settings: OK',
      '\tfailed backups: OK (there are 0 failed backups)',
      '\tminimum redundancy requirements: OK (have 0 backups, expected at least 0)',
      '\tssh: OK (PostgreSQL server)',
      '\tsystemid coherence: OK',
      '\treceive-wal running: OK',
      '\tarchive_mode: OK',
      '\tarchive_command: OK',
      '\tcontinuous archiving: OK',
      '\tarchiver errors: OK',
      '\twal delivery: OK (streaming and archive_command)',
    ]);
    assert.match(lines[23] ?? '', /^\tincoming WALs queue: OK \(\d+ file\(s\) waiting\)$/);
    assert.match(lines[24] ?? '', /^\tfree disk space: OK \(\d+% free, [\d.]+ [KMGT]iB of [\d.]+ [KMGT]iB on the volume of '.+'\)$/);
    assert.equal(lines[25], '\tdisk forecast: OK (not enough history for a forecast)');
    assert.equal(lines[26], '\tbackup host: OK (on this machine, accepted by same_host_backups)');
    assert.equal(lines.length, 27);

    const catalog = Catalog.open(path.join(home, 'catalog.db'));
    try {
      const saved = catalog.checkResults('main');
      assert.equal(saved.length, 26);
      assert.ok(saved.every((row) => row.ok), JSON.stringify(saved.filter((row) => !row.ok)));
    } finally {
      catalog.close();
    }
    const servers = await runBarkeep(['-c', configFile(), '-f', 'json', 'list-servers']);
    assert.equal((JSON.parse(servers.stdout) as { health: string }[])[0]?.health, 'ok');
  });

  it('prints the Nagios OK line with exit 0, and JSON with -f json', async () => {
    const nagios = await check('--nagios', 'all');
    assert.deepEqual([nagios.code, nagios.stdout], [0, 'BARKEEP OK - Ready to serve the Espresso backup for main\n']);
    const json = await runBarkeep(['-c', configFile(), '-f', 'json', 'check', 'main']);
    assert.equal(json.code, 0);
    const [report] = JSON.parse(json.stdout) as { server: string; status: string; checks: { name: string; ok: boolean; severity: string }[] }[];
    assert.equal(report?.server, 'main');
    assert.equal(report?.status, 'ok');
    assert.equal(report?.checks.length, 26);
    assert.ok(report?.checks.every((entry) => entry.ok));
  });

  it('warns that PostgreSQL runs on the machine and the volume that keep its backups, until that is accepted', async () => {
    assert.ok(primary);
    await writeMainConfig(primary.conninfo, []);
    try {
      const result = await check('main');
      assert.equal(result.code, 0, 'a WARNING line alone exits 0');
      const dataDirectory = await primary.psql('show data_directory');
      assertLines(result.stdout, [
        `\tbackup host: WARNING (PostgreSQL runs on this machine, its data directory '${dataDirectory}' on the same volume as the backups: one disk failure loses both)`,
        '\t\tHINT: keep backups on another machine (run Barkeep on a backup host that reaches PostgreSQL over the network and ssh); '
          + `if this is on purpose and the store is copied elsewhere, set same_host_backups = accepted in ${serverFile('main')}`,
      ]);
      assert.equal(result.stdout.match(/FAILED|WARNING/g)?.length, 1, result.stdout);
      const servers = await runBarkeep(['-c', configFile(), '-f', 'json', 'list-servers']);
      assert.equal((JSON.parse(servers.stdout) as { health: string }[])[0]?.health, 'warning');
    } finally {
      await writeMainConfig(primary.conninfo);
    }
  });

  it('fails the replication slot line when the slot is dropped: exit 1, Nagios CRITICAL exit 2', async () => {
    assert.ok(primary);
    await stopReceiver();
    await waitFor('slot barkeep released', async () =>
      (await primary!.psql("select active from pg_replication_slots where slot_name = 'barkeep'")) === 'f');
    await primary.psql("select pg_drop_replication_slot('barkeep')");

    const result = await check('main');
    assert.equal(result.code, 1);
    assertLines(result.stdout, [
      "\treplication slot: FAILED (replication slot 'barkeep' does not exist on the server)",
      `\t\tHINT: create it with \`barkeep receive-wal --create-slot main\`, or set create_slot = auto in ${serverFile('main')}`,
    ]);
    assert.equal(result.stdout.match(/FAILED|WARNING/g)?.length, 1, result.stdout);

    const nagios = await check('--nagios', 'main');
    assert.equal(nagios.code, 2);
    assert.equal(nagios.stdout, [
      'BARKEEP CRITICAL - server main has issues * main FAILED: replication slot',
      "main.replication slot: FAILED (replication slot 'barkeep' does not exist on the server)",
      '',
    ].join('\n'));
    const servers = await runBarkeep(['-c', configFile(), '-f', 'json', 'list-servers']);
    assert.equal((JSON.parse(servers.stdout) as { health: string }[])[0]?.health, 'failed');
  });

  it("catches the handbook's silent WAL loss: a no-op archive_command that PostgreSQL believes", async () => {
    assert.ok(primary);
    const storeNewest = await primary.psql('select last_archived_wal from pg_stat_archiver');
    await primary.psql("alter system set archive_command = '/bin/true'");
    await primary.psql('select pg_reload_conf()');
    await primary.psql('insert into t select generate_series(1, 1000)');
    const closed = await primary.psql('select pg_walfile_name(pg_switch_wal())');
    await waitFor(`${closed} "archived" by /bin/true`, async () =>
      (await primary!.psql('select last_archived_wal from pg_stat_archiver')) === closed);

    const result = await check('main');
    assert.equal(result.code, 1);
    assertLines(result.stdout, [
      "\tarchive_command: FAILED (archive_command '/bin/true' keeps nothing: PostgreSQL recycles WAL it is told was archived)",
      `\t\tHINT: set archive_command to a command that stores %p in this server's incoming folder '${path.join(store(), 'incoming')}', `
        + "e.g. ALTER SYSTEM SET archive_command = 'ssh BACKUP_HOST barkeep put-wal main --name %f < %p'; SELECT pg_reload_conf()",
    ]);
    const continuous = lineAfter(result.stdout, '\tcontinuous archiving: ');
    assert.match(continuous.line, new RegExp(`^\\tcontinuous archiving: FAILED \\(PostgreSQL reports ${closed} archived at \\S+, but the newest segment in the store is ${storeNewest}\\)$`));
    assert.equal(continuous.hint, `\t\tHINT: archive_command delivers somewhere else: make it store %p in '${path.join(store(), 'incoming')}' (ALTER SYSTEM SET archive_command = '…'; SELECT pg_reload_conf())`);
  });

  it('fails archive_mode (and archive_command) when the cluster restarts with archive_mode off', async () => {
    assert.ok(primary);
    await primary.psql('alter system set archive_mode = off');
    await stopCluster(primary.dataDir, primary.binDir, 'fast');
    await startCluster(primary.dataDir, primary.binDir, primary.logFile);

    const result = await check('main');
    assert.equal(result.code, 1);
    assertLines(result.stdout, [
      '\tarchive_mode: FAILED (archive_mode is off)',
      '\t\tHINT: set archive_mode = on in postgresql.conf (or ALTER SYSTEM SET archive_mode = on) and restart PostgreSQL: archive_mode only changes at a restart',
      '\tarchive_command: FAILED (archive_command is disabled: archive_mode is off)',
      '\t\tHINT: turn archive_mode on first (see the archive_mode line)',
    ]);
  });

  it("fails systemid coherence, naming both ids, when conninfo reaches another cluster", async () => {
    assert.ok(primary);
    other = await startTestCluster();
    const storeId = await primary.psql('select system_identifier from pg_control_system()');
    const otherId = await other.psql('select system_identifier from pg_control_system()');
    assert.notEqual(storeId, otherId);
    await writeMainConfig(other.conninfo);

    const result = await check('main');
    assert.equal(result.code, 1);
    assertLines(result.stdout, [
      `\tsystemid coherence: FAILED (conninfo reaches system ${otherId}, but this store holds system ${storeId} (identity.json))`,
      `\t\tHINT: conninfo in ${serverFile('main')} reaches another cluster, or the cluster was re-created: point it at the cluster of system ${storeId}; `
        + `if the cluster really was re-created, move '${store()}' aside (its backups and WAL belong to the old system) and start a new store`,
    ]);
  });

  it('lists the missing backup privileges of a plain role; the hint SQL fixes them', async () => {
    assert.ok(other);
    await other.psql('create role plain login');
    await writeFile(serverFile('plain'), `[plain]\nconninfo = ${other.conninfo.replace('user=postgres', 'user=plain')}\nbackup_method = postgres\nstreaming_archiver = on\n`);

    const before = await check('plain');
    assert.equal(before.code, 1);
    const privileges = lineAfter(before.stdout, '\tsuperuser or standard user with backup privileges: ');
    assert.equal(privileges.line, '\tsuperuser or standard user with backup privileges: FAILED (role plain is not superuser and lacks pg_read_all_settings, '
      + 'pg_read_all_stats, pg_checkpoint, execute on pg_backup_start(text, boolean), execute on pg_backup_stop(boolean), '
      + 'execute on pg_switch_wal(), execute on pg_create_restore_point(text))');
    const streaming = lineAfter(before.stdout, '\tPostgreSQL streaming: ');
    assert.match(streaming.line, /^\tPostgreSQL streaming: FAILED \(.*must be superuser or replication role/);
    assert.equal(streaming.hint, `\t\tHINT: give the role the replication attribute: ALTER ROLE plain REPLICATION; streaming uses conninfo (no streaming_conninfo is set in ${serverFile('plain')})`);

    // Do exactly what the hints say.
    await other.psql(privileges.hint.replace('\t\tHINT: as a superuser run: ', ''));
    await other.psql('ALTER ROLE plain REPLICATION');
    const afterGrants = await check('plain');
    assertLines(afterGrants.stdout, ['\tsuperuser or standard user with backup privileges: OK', '\tPostgreSQL streaming: OK']);
  });

  it('fails the ssh line when the backups could not log in: a host key that does not match the pinned one', async () => {
    assert.ok(sshd && other);
    const wrongHosts = await writeMismatchedKnownHosts(sshd);
    const sshCommand = `ssh -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${wrongHosts} -o StrictHostKeyChecking=yes postgres@127.0.0.1`;
    await writeFile(serverFile('badssh'), `[badssh]\nconninfo = ${other.conninfo}\nbackup_method = rsync\nssh_command = ${sshCommand}\n`);
    const result = await check('badssh');
    assert.equal(result.code, 1);
    const ssh = lineAfter(result.stdout, '\tssh: ');
    assert.match(ssh.line, new RegExp(`^\\tssh: FAILED \\(ssh host key of 127\\.0\\.0\\.1:${sshd.port} does not match the pinned key: the server presented SHA256:\\S+; `
      + 'someone may be intercepting the connection \\(man-in-the-middle\\), or the host key was changed\\)$'));
    assert.match(ssh.hint, new RegExp(`^\\t\\tHINT: do not connect until you have confirmed the new key .+ replace line 1 of '${wrongHosts.replace(/[.]/g, '\\.')}'$`));
  });
});

/** The expected lines appear in the output, consecutively. */
function assertLines(stdout: string, expected: string[]): void {
  const lines = stdout.split('\n');
  const start = lines.indexOf(expected[0]!);
  assert.ok(start >= 0, `missing line ${JSON.stringify(expected[0])} in:\n${stdout}`);
  assert.deepEqual(lines.slice(start, start + expected.length), expected);
}

function lineAfter(stdout: string, prefix: string): { line: string; hint: string } {
  const lines = stdout.split('\n');
  const index = lines.findIndex((line) => line.startsWith(prefix));
  assert.ok(index >= 0, `no line starting with ${JSON.stringify(prefix)} in:\n${stdout}`);
  return { line: lines[index]!, hint: lines[index + 1] ?? '' };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
