// The archiver lifecycle the app, `barkeep serve` and `cron --daemon` run: the
// in-process scheduler starts a streaming archiver by itself for a server with
// streaming_archiver = on, WAL reaches the archive, a second pass never starts a
// second archiver while one holds the lock, and stopping flushes and releases it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../src-main/engine/engine';
import { ArchiverSupervisor } from '../../src-main/engine/scheduler/archiver-supervisor';
import { Scheduler } from '../../src-main/engine/scheduler/scheduler';
import { archiverLockFile, readArchiverLock } from '../../src-main/engine/wal/archiver-lock';
import { findArchivedWal } from '../../src-main/engine/wal/archive-store';
import { stopWalReceiver } from '../../src-main/engine/wal/streaming/receiver-control';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';

let cluster: TestCluster;
let home: string;
let engine: Engine | undefined;

before(async () => {
  cluster = await startTestCluster();
  home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-supervisor-'));
  mkdirSync(path.join(home, 'conf.d'));
  writeFileSync(path.join(home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  writeFileSync(path.join(home, 'conf.d', 'main.conf'), [
    '[main]',
    `conninfo = ${cluster.conninfo}`,
    'streaming_archiver = on',
    'slot_name = barkeep_supervisor',
    'create_slot = auto',
    'compression = zstd',
    '',
  ].join('\n'));
});

after(async () => {
  await engine?.close();
  await cluster.psql("select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = 'barkeep_supervisor'").catch(() => undefined);
  await cluster.stop();
  rmSync(home, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

test('the in-process scheduler streams WAL of a streaming server into the archive and stops cleanly', { timeout: 120_000 }, async () => {
  engine = Engine.open({ configFile: path.join(home, 'barkeep.conf') });
  const backupDirectory = engine.server('main').backupDirectory;
  const supervisor = new ArchiverSupervisor(engine);
  const scheduler = new Scheduler(engine, { receivers: supervisor });
  const started = new Promise((resolve) => scheduler.onOutcome((outcome) => {
    if (outcome.job === 'receive-wal' && outcome.status === 'started') resolve(outcome);
  }));
  scheduler.start();
  await started;

  const job = await waitFor('the archiver job', () => engine!.jobs.list().find((candidate) => candidate.kind === 'receive-wal' && candidate.state === 'running') ?? null);
  assert.equal(job.server, 'main');
  await waitFor('the slot to be active', async () => (await cluster.psql("select active from pg_replication_slots where slot_name = 'barkeep_supervisor'")) === 't' || null);
  assert.equal(readArchiverLock(backupDirectory)?.pid, process.pid, 'the archiver holds the lock');
  assert.equal(readArchiverLock(backupDirectory)?.owner, 'app');
  await assert.rejects(stopWalReceiver(engine.server('main')), /runs inside the Barkeep app or `barkeep serve`/,
    '`receive-wal --stop` must not SIGTERM the whole host');

  await cluster.psql('create table marker as select generate_series(1, 10000) as n');
  const closed = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  const walsDirectory = engine.server('main').walsDirectory;
  const archived = await waitFor(`segment ${closed} in the archive`, () => findArchivedWal(walsDirectory, closed));
  assert.equal(archived.compression, 'zstd');

  // Another pass while it runs never starts a second archiver: it sees the lock held by this process.
  const again = (await scheduler.runPass()).filter((outcome) => outcome.job === 'receive-wal');
  assert.deepEqual(again.map((outcome) => outcome.status), ['running']);
  assert.match(again[0]!.detail, new RegExp(`^pid ${process.pid} \\(inside the app`));
  assert.deepEqual(supervisor.running, ['main']);
  assert.equal(engine.jobs.list().filter((candidate) => candidate.kind === 'receive-wal' && candidate.state === 'running').length, 1);

  await scheduler.stop();
  await engine.jobs.cancelAll();
  assert.equal(engine.jobs.get(job.id)?.state, 'cancelled');
  assert.equal(existsSync(archiverLockFile(backupDirectory)), false, 'the lock is released');
});
