/**
 * A login shell that prints a line before every command (as a chatty
 * ~/.bashrc does; here sshd's ForceCommand), through the real sshd: the `ssh`
 * check fails and names what the shell printed, and an rsync backup refuses
 * with the same words before storing anything, instead of a garbled listing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineError } from '../../shared/errors';
import { runRsyncBackup } from '../../src-main/engine/backup/rsync/rsync-method';
import { loadConfig } from '../../src-main/engine/config/load';
import type { ServerConfig } from '../../src-main/engine/config/load';
import { startTestCluster } from '../support/pg-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { startTestSshd } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

describe('a login shell that prints before every command', () => {
  let cluster: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let workDir = '';
  let configFile = '';
  let server: ServerConfig | undefined;

  before(async () => {
    [cluster, sshd] = await Promise.all([startTestCluster(), startTestSshd({ greeting: 'Welcome to db01' })]);
    workDir = await makeTempDir('chatty-shell');
    const home = path.join(workDir, 'home');
    mkdirSync(home, { recursive: true });
    configFile = path.join(home, 'barkeep.conf');
    writeFileSync(configFile, [
      `[barkeep]\nbarkeep_home = ${home}\n`, '[pg]', `conninfo = ${cluster.conninfo}`, 'backup_method = rsync', 'immediate_checkpoint = on', 'archiver = off',
      `ssh_command = ssh -p ${sshd.port} -i ${sshd.privateKeyPath} -o UserKnownHostsFile=${sshd.knownHostsFile} postgres@127.0.0.1`, '',
    ].join('\n'));
    server = loadConfig(configFile).servers[0];
  });

  after(async () => {
    await Promise.all([cluster?.stop(), sshd?.stop()]);
    await removeTempDir(workDir);
  });

  it('fails the ssh check, naming what the shell printed and where to stop it', async () => {
    const checked = await runBarkeep(['-c', configFile, 'check', 'pg']);
    const line = checked.stdout.split('\n').find((text) => text.startsWith('\tssh: ')) ?? `no ssh line in:\n${checked.stdout}`;
    assert.match(line, /^\tssh: FAILED \(the login shell prints "Welcome to db01" before every command/);
    assert.match(checked.stdout, /~\/\.bashrc/);
  });

  it('refuses the backup with the same words, storing nothing', async () => {
    const dataFolder = path.join(workDir, 'backup', 'data');
    mkdirSync(dataFolder, { recursive: true });
    const error = await runRsyncBackup({
      server: server!, backupId: 'b1', dataFolder, previous: null, reuse: 'off', parallelJobs: 1,
      ctx: { signal: new AbortController().signal, progress: () => {}, log: () => {} },
    }).then(() => null, (failure: unknown) => failure);
    assert.ok(error instanceof EngineError && error.code === 'ssh-failed', String(error));
    assert.match(error.message, /the login shell on ssh postgres@127\.0\.0\.1:\d+ prints "Welcome to db01" before every command/);
    assert.match(error.hint ?? '', /\[ -z "\$PS1" \] && return/);
    assert.deepEqual(readdirSync(dataFolder), []);
  });
});
