// What must never go wrong with backups, on a real cluster: a cancelled
// backup is FAILED and leaves no data behind; a `barkeep backup` killed
// mid-way (SIGKILL) is cleaned up and recorded FAILED by the next run;
// delete refuses below minimum_redundancy; a failing server (bad conninfo,
// server stopped mid-way) or a full volume leaves the earlier backups
// untouched and verifiable.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { EngineError } from '../../shared/errors';
import { runBackup, type RunBackupOptions } from '../../src-main/engine/backup/run-backup';
import { verifyBackup } from '../../src-main/engine/backup/verify-backup';
import { Engine } from '../../src-main/engine/engine';
import { startCluster, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let cluster: TestCluster;
let home: string;
let configFile: string;
let firstBackup: BackupInfo;
let firstSnapshot: string;

before(async () => {
  cluster = await startTestCluster({ pgbenchScale: 10, settings: { archive_mode: 'off' } });
  home = await makeTempDir('backup-safety-home');
  mkdirSync(path.join(home, 'conf.d'));
  configFile = path.join(home, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  writeServer('pg', cluster.conninfo);
  // Nothing listens on port 1: connecting fails at once.
  writeServer('broken', 'host=127.0.0.1 port=1 user=postgres dbname=postgres connect_timeout=3');
});

after(async () => {
  await cluster?.stop();
  if (home) await removeTempDir(home);
});

function writeServer(name: string, conninfo: string): void {
  writeFileSync(path.join(home, 'conf.d', `${name}.conf`), [
    `[${name}]`, `conninfo = ${conninfo}`, 'backup_method = postgres', 'reuse_backup = link', 'immediate_checkpoint = on', 'minimum_redundancy = 1', '',
  ].join('\n'));
}

const baseOf = (server: string): string => path.join(home, server, 'base');
const incomingLeft = (server: string): string[] => (existsSync(baseOf(server)) ? readdirSync(baseOf(server)).filter((name) => name.startsWith('.')) : []);

/** Runs a backup as a job of a fresh engine, as the doors do; `onBytes` sees the job's progress. */
async function backupWithEngine(server: string, onBytes?: (engine: Engine, jobId: string, bytes: number) => void, options: RunBackupOptions = {}): Promise<BackupInfo> {
  const engine = Engine.open({ configFile });
  try {
    const handle = engine.jobs.submit({
      kind: 'backup', server: engine.server(server).name, title: `backup ${server}`,
      run: (ctx) => runBackup({ catalog: engine.catalog }, engine.server(server), options, ctx),
    });
    engine.jobs.onEvent((event) => {
      if (event.job.id === handle.id && event.type === 'progress') onBytes?.(engine, handle.id, event.job.bytesDone);
    });
    return await handle.done;
  } finally {
    await engine.close();
  }
}

function backupsOf(server: string): BackupInfo[] {
  const engine = Engine.open({ configFile });
  try {
    return engine.catalog.listBackups(server);
  } finally {
    void engine.close();
  }
}

/** Every file of a backup folder with its inode, size and mtime: proof nobody touched it. */
async function snapshot(folder: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name !== 'backup.json') {
        const stats = await lstat(full);
        lines.push(`${path.relative(folder, full)} ${stats.ino} ${stats.size} ${stats.mtimeMs}`);
      }
    }
  };
  await walk(folder);
  return lines.join('\n');
}

async function assertFirstBackupUntouched(): Promise<void> {
  assert.equal(await snapshot(path.join(baseOf('pg'), firstBackup.backupId)), firstSnapshot, 'the earlier backup changed');
  const engine = Engine.open({ configFile });
  try {
    const report = await verifyBackup(engine.server('pg'), firstBackup);
    assert.equal(report.ok, true, JSON.stringify(report, null, 2));
    assert.equal(report.pgVerifybackup.status, 'passed');
  } finally {
    await engine.close();
  }
}

test('a first backup to protect', async () => {
  firstBackup = await backupWithEngine('pg');
  assert.equal(firstBackup.status, 'DONE');
  firstSnapshot = await snapshot(path.join(baseOf('pg'), firstBackup.backupId));
});

test('cancel mid-backup: FAILED, its data removed, the previous backup still verifies', async () => {
  let cancelledAt = 0;
  const attempt = backupWithEngine('pg', (engine, jobId, bytes) => {
    if (bytes > 0 && cancelledAt === 0) {
      cancelledAt = bytes;
      engine.jobs.cancel(jobId);
    }
  });
  await assert.rejects(attempt, (error: unknown) => error instanceof EngineError && error.code === 'cancelled');
  assert.ok(cancelledAt > 0, 'the backup was cancelled while it copied');
  const failed = backupsOf('pg').at(-1)!;
  assert.equal(failed.status, 'FAILED');
  assert.equal(failed.error, 'cancelled');
  const folder = path.join(baseOf('pg'), failed.backupId);
  assert.deepEqual(readdirSync(folder), ['backup.json'], 'a failed backup keeps its record only');
  assert.equal(JSON.parse(readFileSync(path.join(folder, 'backup.json'), 'utf8')).status, 'FAILED');
  assert.deepEqual(incomingLeft('pg'), []);
  await assertFirstBackupUntouched();
});

test('a backup killed mid-way is recorded FAILED and cleaned up by the next run', async () => {
  const child = spawn(process.execPath, [path.join(root, 'bin', 'barkeep.js'), '-q', '-c', configFile, 'backup', 'pg'], { stdio: 'ignore' });
  const unregister = registerExitCleanup(() => child.kill('SIGKILL'));
  let killedId: string | null = null;
  try {
    for (let waited = 0; killedId === null; waited += 20) {
      if (waited > 60_000 || child.exitCode !== null || child.signalCode !== null) assert.fail('the backup never started copying');
      const incoming = incomingLeft('pg').find((name) => name.startsWith('.incoming-'));
      if (incoming && existsSync(path.join(baseOf('pg'), incoming, 'data', 'base'))) {
        child.kill('SIGKILL');
        killedId = incoming.slice('.incoming-'.length);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    unregister();
  }
  assert.deepEqual(incomingLeft('pg'), [`.incoming-${killedId}`], 'the killed run left its temporary folder');

  const next = await runBarkeep(['-c', configFile, 'backup', 'pg']);
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(incomingLeft('pg'), []);
  const killed = backupsOf('pg').find((backup) => backup.backupId === killedId);
  assert.equal(killed?.status, 'FAILED');
  assert.equal(killed?.error, 'barkeep stopped while this backup ran');
  assert.deepEqual(readdirSync(path.join(baseOf('pg'), killedId!)), ['backup.json']);
  const list = await runBarkeep(['-c', configFile, 'list-backup', 'pg']);
  assert.match(list.stdout, new RegExp(`^pg ${killedId} - FAILED$`, 'm'));
  await assertFirstBackupUntouched();
});

test('delete refuses to go below minimum_redundancy, and removes failed backups freely', async () => {
  const done = backupsOf('pg').filter((backup) => backup.status === 'DONE');
  assert.equal(done.length, 2);
  const newest = done.at(-1)!;
  const deleted = await runBarkeep(['-c', configFile, 'delete', 'pg', newest.backupId]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.ok(!existsSync(path.join(baseOf('pg'), newest.backupId)));
  const refused = await runBarkeep(['-c', configFile, 'delete', 'pg', firstBackup.backupId]);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `ERROR: unable to delete backup ${firstBackup.backupId} of server 'pg': minimum_redundancy is 1 and 1 complete backup is left\n`
    + 'HINT: take a new backup first, or lower minimum_redundancy\n');
  const failed = await runBarkeep(['-c', configFile, 'delete', 'pg', 'last-failed']);
  assert.equal(failed.code, 0, failed.stderr);
  // The deleted backup linked most of its files to the first one: those must still be whole.
  await assertFirstBackupUntouched();
});

test('a bad conninfo fails the backup (FAILED, hint) and touches nothing else', async () => {
  const result = await runBarkeep(['-c', configFile, 'backup', 'broken']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /is FAILED; its temporary data was removed\n/);
  assert.match(result.stderr, /\nERROR: unable to connect to postgresql at 127\.0\.0\.1:1 as postgres: .*\nHINT: check that postgresql is running and listening on 127\.0\.0\.1:1\n$/);
  const [failed] = backupsOf('broken');
  assert.equal(failed?.status, 'FAILED');
  assert.deepEqual(incomingLeft('broken'), []);
  await assertFirstBackupUntouched();
});

test('a full backup volume fails the backup as disk-full and leaves the space free again', async (t) => {
  const volume = await makeTempDir('backup-safety-tmpfs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=50m', 'tmpfs', volume]);
  } catch (error) {
    return t.skip(`tmpfs cannot be mounted here: ${(error as Error).message}`);
  }
  const unregister = registerExitCleanup(() => execFileSync('umount', ['-l', volume]));
  try {
    writeFileSync(path.join(home, 'conf.d', 'small.conf'), [
      '[small]', `conninfo = ${cluster.conninfo}`, 'backup_method = postgres', 'immediate_checkpoint = on', `backup_directory = ${volume}`, '',
    ].join('\n'));
    const result = await runBarkeep(['-c', configFile, 'backup', 'small']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\nERROR: no space left for the backup: .*ENOSPC.*\nHINT: free space on the backup volume, or delete old backups\n$/);
    const [failed] = backupsOf('small');
    assert.equal(failed?.status, 'FAILED');
    assert.deepEqual(readdirSync(path.join(volume, 'base')), [failed.backupId], 'the temporary data is gone');
    const used = Number(execFileSync('du', ['-sb', volume], { encoding: 'utf8' }).split('\t')[0]);
    assert.ok(used < 1024 * 1024, `only the FAILED record stays (${used} bytes)`);
  } finally {
    execFileSync('umount', [volume]);
    unregister();
    await removeTempDir(volume);
  }
  await assertFirstBackupUntouched();
});

test('the server stopping mid-backup fails it cleanly; earlier backups stay whole', async () => {
  let stopping: Promise<void> | null = null;
  const attempt = backupWithEngine('pg', (_engine, _jobId, bytes) => {
    if (bytes > 0 && stopping === null) stopping = stopCluster(cluster.dataDir, cluster.binDir, 'immediate');
  });
  await assert.rejects(attempt, (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'backup-failed');
    assert.match(error.message, /^base backup failed: /);
    return true;
  });
  await stopping;
  const failed = backupsOf('pg').at(-1)!;
  assert.equal(failed.status, 'FAILED');
  assert.match(failed.error ?? '', /base backup failed/);
  assert.deepEqual(incomingLeft('pg'), []);
  await assertFirstBackupUntouched();
  // Leave the cluster running for its own teardown.
  await startCluster(cluster.dataDir, cluster.binDir, cluster.logFile);
});
