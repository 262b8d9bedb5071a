/**
 * ssh_command and conninfo that reach two different PostgreSQL servers: sshd
 * runs in a mount namespace where cluster B's data folder sits at cluster A's
 * path, so SSH finds a data folder where PostgreSQL says it is, of another
 * system. The rsync method refuses it before storing anything: by the
 * listing's head once the backup started (or by the check below, if the
 * checkpoint outlasted the login), and while a spread checkpoint holds the
 * start, by a command of its own that cancels the start.
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
import { mountNamespaceRefusal, startTestSshd } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

const refusal = mountNamespaceRefusal();

describe('backup method rsync, ssh_command reaching another server', { skip: refusal ?? false }, () => {
  let reached: TestCluster | undefined;
  let other: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let workDir = '';
  let servers: ServerConfig[] = [];
  const systemIds = { reached: '', other: '' };
  let runs = 0;

  before(async () => {
    // No checkpoint but the backup's own: a spread one then takes most of 30 minutes.
    const settings = { checkpoint_timeout: '30min', checkpoint_completion_target: '0.9', max_wal_size: '2GB' };
    [reached, other] = await Promise.all([startTestCluster({ settings }), startTestCluster()]);
    sshd = await startTestSshd({ bindMounts: [{ source: other.dataDir, target: reached.dataDir }] });
    systemIds.reached = await reached.psql('select system_identifier from pg_control_system()');
    systemIds.other = await other.psql('select system_identifier from pg_control_system()');
    assert.notEqual(systemIds.reached, systemIds.other);
    workDir = await makeTempDir('backup-wrong-server');
    const home = path.join(workDir, 'home');
    mkdirSync(home, { recursive: true });
    const server = (name: string, immediate: boolean): string[] => [
      `[${name}]`, `conninfo = ${reached!.conninfo}`, 'backup_method = rsync', `immediate_checkpoint = ${immediate ? 'on' : 'off'}`,
      `ssh_command = ssh -p ${sshd!.port} -i ${sshd!.privateKeyPath} -o UserKnownHostsFile=${sshd!.knownHostsFile} postgres@127.0.0.1`, '',
    ];
    writeFileSync(path.join(home, 'barkeep.conf'), [`[barkeep]\nbarkeep_home = ${home}\n`, ...server('fast', true), ...server('spread', false)].join('\n'));
    servers = loadConfig(path.join(home, 'barkeep.conf')).servers;
  });

  after(async () => {
    await sshd?.stop();
    await Promise.all([reached?.stop(), other?.stop()]);
    await removeTempDir(workDir);
  });

  const backUp = async (name: 'fast' | 'spread'): Promise<{ error: unknown; logs: string[]; stored: string[] }> => {
    const dataFolder = path.join(workDir, `backup-${++runs}`, 'data');
    mkdirSync(dataFolder, { recursive: true });
    const logs: string[] = [];
    const error = await runRsyncBackup({
      server: servers.find((candidate) => candidate.name === name)!, backupId: `b${runs}`, dataFolder, previous: null, reuse: 'off', parallelJobs: 1,
      ctx: { signal: new AbortController().signal, progress: () => {}, log: (message) => logs.push(message) },
    }).then(() => null, (failure: unknown) => failure);
    return { error, logs, stored: readdirSync(dataFolder) };
  };
  const assertRefused = (error: unknown): void => {
    assert.ok(error instanceof EngineError && error.code === 'config-invalid', `refused as a configuration error: ${String(error)}`);
    assert.match(error.message, new RegExp(`belongs to system ${systemIds.other}, not to the server conninfo reaches \\(system ${systemIds.reached}\\)`));
    assert.match(error.hint ?? '', /same PostgreSQL server/);
  };

  it('refuses the data folder with an immediate checkpoint, storing nothing', async () => {
    // Usually by the listing's head once the backup started; by the command of its own when the checkpoint
    // outlasted the SSH login (a loaded machine): either way before a file is stored.
    const { error, stored } = await backUp('fast');
    assertRefused(error);
    assert.deepEqual(stored, []);
    assert.equal(await reached!.psql("select count(*) from pg_stat_activity where application_name like 'barkeep backup%'"), '0');
  });

  it('refuses it while a spread checkpoint holds the start, and cancels the start', { timeout: 120_000 }, async () => {
    // Dirty buffers for the checkpoint to spread over its 27 minutes.
    await reached!.psql("create table filler (id int, pad text); insert into filler select g, repeat('x', 200) from generate_series(1, 100000) g");
    const { error, logs, stored } = await backUp('spread');
    assertRefused(error);
    assert.ok(!logs.some((line) => line.startsWith('backup started at')), 'refused before the backup started');
    assert.deepEqual(stored, []);
    assert.equal(await reached!.psql("select count(*) from pg_stat_activity where application_name like 'barkeep backup%'"), '0');
  });
});
