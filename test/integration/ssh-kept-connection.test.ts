/**
 * The rsync method's SSH connection and PostgreSQL session kept between backups
 * (connection_persist) through the real sshd: the next backup runs over the same
 * connection (the same sshd process serves it) and on the same backend; 0 closes
 * both; a kept connection whose server no longer answers (its sshd process
 * stopped) gives way to a new login within seconds, a kept session whose backend
 * was terminated to a new session; a connection whose host key known_hosts no
 * longer pins is refused, as a new login would be.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../../shared/errors';
import type { BackupMethodResult } from '../../src-main/engine/backup/backup-method';
import { runRsyncBackup } from '../../src-main/engine/backup/rsync/rsync-method';
import { closeKeptSshLogins } from '../../src-main/engine/backup/rsync/ssh-login';
import { closeKeptBackupSessions } from '../../src-main/engine/postgres/backup-api';
import { loadConfig } from '../../src-main/engine/config/load';
import type { ServerConfig } from '../../src-main/engine/config/load';
import type { TestCluster } from '../support/pg-cluster';
import { childPids, writeMismatchedKnownHosts } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { makeTempDir, removeTempDir } from '../support/temp-dir';
import { startClusterWithSshd } from '../support/cluster-with-sshd';

describe('ssh connection kept between backups', () => {
  let cluster: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let workDir = '';
  let servers: ServerConfig[] = [];
  let runs = 0;

  before(async () => {
    ({ cluster, sshd } = await startClusterWithSshd());
    await cluster!.psql('create table kept_rows as select generate_series(1, 1000) as id');
    workDir = await makeTempDir('ssh-kept');
    const home = path.join(workDir, 'home');
    mkdirSync(home, { recursive: true });
    const server = (name: string, extra: string[]): string[] => [
      `[${name}]`, `conninfo = ${cluster!.conninfo}`, 'backup_method = rsync', 'immediate_checkpoint = on',
      `ssh_command = ssh -p ${sshd!.port} -i ${sshd!.privateKeyPath} -o UserKnownHostsFile=${sshd!.knownHostsFile} postgres@127.0.0.1`, ...extra, '',
    ];
    writeFileSync(path.join(home, 'barkeep.conf'), [`[barkeep]\nbarkeep_home = ${home}\n`, ...server('kept', []), ...server('closed', ['connection_persist = 0'])].join('\n'));
    servers = loadConfig(path.join(home, 'barkeep.conf')).servers;
  });

  after(async () => {
    await Promise.all([closeKeptSshLogins(), closeKeptBackupSessions()]);
    await Promise.all([cluster?.stop(), sshd?.stop()]);
    await removeTempDir(workDir);
  });

  const backUp = (name: 'kept' | 'closed', logs: string[] = []): Promise<BackupMethodResult> => {
    const dataFolder = path.join(workDir, `backup-${++runs}`, 'data');
    mkdirSync(dataFolder, { recursive: true });
    const server = servers.find((candidate) => candidate.name === name)!;
    return runRsyncBackup({
      server, backupId: `b${runs}`, dataFolder, previous: null, reuse: 'off', parallelJobs: 1,
      ctx: { signal: new AbortController().signal, progress: () => {}, log: (message) => logs.push(message) },
    });
  };
  /** sshd's connection processes once the closes under way are done (sshd's goodbye takes a moment). */
  const settledConnections = async (expected: number): Promise<number[]> => {
    for (let waited = 0; waited < 5_000 && sshd!.connectionPids().length !== expected; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    return sshd!.connectionPids();
  };
  /** The backends of a server's backup sessions, once the closes under way are done. */
  const backends = async (name: string): Promise<string[]> => {
    const query = `select pid from pg_stat_activity where application_name = 'barkeep backup ${name}' order by pid`;
    for (let waited = 0; waited < 5_000; waited += 50) {
      const pids = (await cluster!.psql(query)).split('\n').filter(Boolean);
      if (pids.length <= 1) return pids;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (await cluster!.psql(query)).split('\n').filter(Boolean);
  };
  const assertRestorable = (result: BackupMethodResult): void => {
    assert.ok(result.files.some((file) => file.path === 'global/pg_control'), 'the backup holds pg_control');
    assert.ok(result.files.some((file) => file.path === 'backup_label'), 'the backup holds its label');
  };

  it('runs the next backup over the connection the last one kept', async () => {
    await closeKeptSshLogins();
    assert.deepEqual(await settledConnections(0), []);
    assertRestorable(await backUp('kept'));
    const [kept, ...others] = await settledConnections(1);
    assert.ok(kept, 'one connection stays open after the backup');
    assert.deepEqual(others, []);
    assertRestorable(await backUp('kept'));
    assert.deepEqual(await settledConnections(1), [kept], 'the second backup used the same sshd connection');
  });

  it('closes the connection after the backup when connection_persist is 0', async () => {
    await closeKeptSshLogins();
    await settledConnections(0);
    assertRestorable(await backUp('closed'));
    assert.deepEqual(await settledConnections(0), []);
    assert.deepEqual(await backends('closed'), [], 'and the PostgreSQL session');
  });

  it('runs the next backup on the PostgreSQL backend the last one kept, and on a new one once that is gone', async () => {
    await closeKeptBackupSessions();
    assertRestorable(await backUp('kept'));
    const [kept, ...others] = await backends('kept');
    assert.ok(kept, 'the session stays after the backup');
    assert.deepEqual(others, []);
    assertRestorable(await backUp('kept'));
    assert.deepEqual(await backends('kept'), [kept], 'the second backup ran on the same backend');
    await cluster!.psql(`select pg_terminate_backend(${kept})`);
    assertRestorable(await backUp('kept'));
    const [renewed] = await backends('kept');
    assert.ok(renewed !== undefined && renewed !== kept, 'a new session served the backup');
  });

  it('logs in again when the kept connection no longer answers', { timeout: 60_000 }, async () => {
    await closeKeptSshLogins();
    await settledConnections(0);
    await backUp('kept');
    const [stuck] = await settledConnections(1);
    assert.ok(stuck);
    // A server that stopped answering without closing: the connection looks open from this side.
    const stopped = [stuck, ...childPids(stuck)];
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
    try {
      const result = await backUp('kept');
      assertRestorable(result);
      const open = sshd!.connectionPids();
      assert.ok(open.some((pid) => pid !== stuck), 'a new login served the backup');
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
    }
  });

  it('refuses a kept connection whose host key known_hosts no longer pins', async () => {
    await closeKeptSshLogins();
    await settledConnections(0);
    await backUp('kept');
    assert.equal((await settledConnections(1)).length, 1);
    const pinned = readFileSync(sshd!.knownHostsFile);
    writeFileSync(sshd!.knownHostsFile, readFileSync(await writeMismatchedKnownHosts(sshd!)));
    try {
      await assert.rejects(backUp('kept'), (error: unknown) => error instanceof EngineError && error.code === 'ssh-host-key-mismatch');
    } finally {
      writeFileSync(sshd!.knownHostsFile, pinned);
    }
    assertRestorable(await backUp('kept'));
  });
});
