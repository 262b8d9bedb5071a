// `barkeep cron` on a real PostgreSQL 15 through the real command line: a bad
// backup_schedule is refused with its file and line; the first pass records the
// schedules' baselines; two crons started at once run each job once (one
// backup, one retention run, one check, one intake of incoming/, one disk
// sample); due times missed for days run once; a claim left by a dead process
// is taken over while a live one is left alone; cron starts one detached
// receive-wal and a second cron does not start another; `cron --daemon` runs
// passes in-process until SIGTERM. Due times are made due by moving the claims'
// last due time back in the catalog, never by waiting for the clock.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { scheduledRun, type ScheduledRunRow } from '../../src-main/engine/catalog/schedule-queries';
import type { JobOutcome } from '../../src-main/engine/scheduler/pass-context';
import { readArchiverLock } from '../../src-main/engine/wal/archiver-lock';
import { isProcessAlive } from '../../src-main/engine/process/process-alive';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const slot = 'barkeep_cron';

let cluster: TestCluster;
let home: string;
let incomingDir: string;
let configFile: string;
/** the backup schedule's latest due time: two hours ago, on the minute; the next one is 22 hours away */
let dueAt: Date;
const receiverPids = new Set<number>();

interface CronRun {
  code: number;
  claimant: string;
  outcomes: JobOutcome[];
  stderr: string;
}

before(async () => {
  incomingDir = await makeTempDir('cron-incoming', { owner: 'postgres' });
  const intoIncoming = `cp %p ${incomingDir}/.%f.tmp && mv ${incomingDir}/.%f.tmp ${incomingDir}/%f`;
  cluster = await startTestCluster({ settings: { archive_command: intoIncoming } });
  home = await makeTempDir('cron-home');
  mkdirSync(path.join(home, 'conf.d'));
  configFile = path.join(home, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  dueAt = new Date(Math.floor((Date.now() - 2 * 3600_000) / 60_000) * 60_000);
  writeFileSync(path.join(home, 'conf.d', 'pg.conf'), [
    '[pg]', `conninfo = ${cluster.conninfo}`, 'backup_method = postgres', 'immediate_checkpoint = on',
    'archiver = on', `incoming_wals_directory = ${incomingDir}`, 'retention_policy = REDUNDANCY 3',
    `backup_schedule = ${dueAt.getMinutes()} ${dueAt.getHours()} * * *`,
    `drill_schedule = ${dueAt.getMinutes()} ${dueAt.getHours()} * * *`,
    // two validation queries, the second on a continuation line
    'drill_validation_sql = select count(*)::int as databases from pg_database', '  select 42 as answer', '',
  ].join('\n'));
});

after(async () => {
  for (const pid of receiverPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
  }
  await cluster?.psql(`select pg_drop_replication_slot('${slot}') from pg_replication_slots where slot_name = '${slot}' and not active`).catch(() => undefined);
  await cluster?.stop();
  if (home) await removeTempDir(home);
  if (incomingDir) await removeTempDir(incomingDir);
});

const barkeep = (...args: string[]) => runBarkeep(['-c', configFile, ...args]);

async function cronOnce(): Promise<CronRun> {
  const result = await barkeep('-f', 'json', 'cron');
  let parsed: { claimant: string; outcomes: JobOutcome[] };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    throw new Error(`cron printed no JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return { code: result.code, stderr: result.stderr, ...parsed };
}

/** Two schedulers started together must judge the same minute: start them early in one. */
async function startEarlyInAMinute(): Promise<void> {
  const second = new Date().getSeconds();
  if (second > 40) await sleep((61 - second) * 1000);
}

function withCatalog<T>(use: (catalog: Catalog) => T): T {
  const catalog = Catalog.open(path.join(home, 'catalog.db'));
  try {
    return use(catalog);
  } finally {
    catalog.close();
  }
}

function claimOf(job: string, server = 'pg'): ScheduledRunRow {
  const row = withCatalog((catalog) => scheduledRun(catalog, `${job}:${server}`));
  assert.ok(row, `no claim row for ${job}:${server}`);
  return row;
}

function setClaims(assignments: string, where: string, ...values: unknown[]): void {
  withCatalog((catalog) => catalog.db.prepare(`UPDATE scheduled_runs SET ${assignments} WHERE ${where}`).run(...values));
}

async function listBackups(): Promise<BackupInfo[]> {
  const result = await barkeep('-f', 'json', 'list-backup', 'pg');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as BackupInfo[];
}

function outcomesOf(run: CronRun, server: string, job: string): JobOutcome[] {
  return run.outcomes.filter((outcome) => outcome.server === server && outcome.job === job);
}

function statuses(run: CronRun, server: string, job: string): string[] {
  return outcomesOf(run, server, job).map((outcome) => outcome.status);
}

const daysBefore = (moment: Date, days: number): string => new Date(moment.getTime() - days * 86_400_000).toISOString();
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a backup_schedule that is not a cron expression is refused with its file and line', async () => {
  const bad = await makeTempDir('cron-bad');
  try {
    mkdirSync(path.join(bad, 'conf.d'));
    writeFileSync(path.join(bad, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${bad}\nconfiguration_files_directory = conf.d\n`);
    writeFileSync(path.join(bad, 'conf.d', 'pg.conf'), `[pg]\nconninfo = ${cluster.conninfo}\nbackup_schedule = 0 3 * *\n`);
    const result = await runBarkeep(['-c', path.join(bad, 'barkeep.conf'), 'cron']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split('\n')[0], `ERROR: ${path.join(bad, 'conf.d', 'pg.conf')}:3: option 'backup_schedule': '0 3 * *' is not a cron expression: it has 4 fields, barkeep reads 5`);
    assert.match(result.stderr, /^HINT: Write five fields, minute hour day-of-month month day-of-week/m);
  } finally {
    await removeTempDir(bad);
  }
});

test('the first pass records the schedules as baselines and does the work of every pass', { timeout: 120_000 }, async () => {
  const run = await cronOnce();
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(statuses(run, 'pg', 'archive-incoming'), ['ran']);
  assert.deepEqual(statuses(run, 'pg', 'backup'), ['baseline'], 'a new schedule waits for its next due time');
  assert.deepEqual(statuses(run, 'pg', 'retention'), ['ran']);
  assert.match(outcomesOf(run, 'pg', 'retention')[0]!.detail, /^nothing obsolete \(REDUNDANCY 3\)/);
  assert.deepEqual(statuses(run, 'pg', 'check'), ['baseline'], 'check_schedule (every 15 minutes by default) too');
  assert.deepEqual(statuses(run, 'pg', 'disk-sample'), ['ran']);
  assert.deepEqual(statuses(run, 'pg', 'receive-wal'), [], 'streaming_archiver is off');
  // A sample, and an intake or retention that found nothing to do, are routine; a new baseline is news.
  assert.deepEqual(run.outcomes.filter((outcome) => !outcome.routine).map((outcome) => outcome.job), ['backup', 'check', 'drill']);
  assert.equal((await listBackups()).length, 0);

  const backup = claimOf('backup');
  assert.equal(backup.outcome, 'baseline');
  assert.equal(backup.lastDue, dueAt.toISOString(), 'the latest due time, two hours ago');
  assert.equal(backup.schedule, `${dueAt.getMinutes()} ${dueAt.getHours()} * * *`);
  assert.equal(backup.claimedBy, run.claimant);
});

test('two crons at once: each job runs once', { timeout: 240_000 }, async () => {
  // Make every job due again: the schedules as if last claimed three days ago, the work of every pass long ago.
  setClaims('last_due = ?', "job_key IN ('backup:pg', 'check:pg')", daysBefore(dueAt, 3));
  setClaims('last_due = ?', "job_key IN ('archive-incoming:pg', 'retention:pg', 'disk-sample:pg')", '2000-01-01T00:00:00.000Z');
  // Something for archive-incoming: a closed segment that archive_command delivers into incoming/.
  await cluster.psql('create table marker as select generate_series(1, 1000) as n; select pg_switch_wal()');
  for (let waited = 0; !readdirSync(incomingDir).some((name) => /^[0-9A-F]{24}$/.test(name)); waited += 200) {
    if (waited > 30_000) throw new Error('archive_command delivered nothing into incoming/');
    await sleep(200);
  }
  const startedBefore = withCatalog((catalog) => catalog.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'backup-started'").get()) as { n: number };

  await startEarlyInAMinute();
  const runs = await Promise.all([cronOnce(), cronOnce()]);
  const report = runs.map((run) => JSON.stringify(run.outcomes, null, 1)).join('\n');
  for (const run of runs) assert.equal(run.code, 0, `${run.stderr}\n${report}`);
  assert.notEqual(runs[0]!.claimant, runs[1]!.claimant);

  for (const job of ['archive-incoming', 'backup', 'retention', 'check', 'disk-sample']) {
    const ran = runs.flatMap((run) => outcomesOf(run, 'pg', job).filter((outcome) => outcome.status === 'ran'));
    assert.equal(ran.length, 1, `${job} ran ${ran.length} times:\n${report}`);
  }
  // The backup ran in one of them; the other saw its claim.
  const runner = runs.find((run) => statuses(run, 'pg', 'backup').includes('ran'))!;
  const other = runs.find((run) => run !== runner)!;
  assert.deepEqual(statuses(runner, 'pg', 'backup'), ['started', 'ran']);
  assert.equal(statuses(other, 'pg', 'backup').length, 1);
  assert.match(statuses(other, 'pg', 'backup')[0]!, /^(running|not-due)$/);
  assert.match(outcomesOf(runner, 'pg', 'backup')[0]!.detail, /the due times missed since .* run once/);
  assert.match(outcomesOf(runner, 'pg', 'archive-incoming').concat(outcomesOf(other, 'pg', 'archive-incoming'))
    .find((outcome) => outcome.status === 'ran')!.detail, /^\d+ WAL files?: \d+ stored/);
  // Retention waited for the backup and ran after it.
  const backupRan = outcomesOf(runner, 'pg', 'backup').find((outcome) => outcome.status === 'ran')!;
  const retentionRan = runs.flatMap((run) => outcomesOf(run, 'pg', 'retention')).find((outcome) => outcome.status === 'ran')!;
  assert.ok(retentionRan.at >= backupRan.at, `retention at ${retentionRan.at}, backup ended at ${backupRan.at}`);
  for (const run of runs) {
    for (const outcome of outcomesOf(run, 'pg', 'retention').filter((candidate) => candidate.status !== 'ran')) {
      assert.match(outcome.status, /^(skipped|not-due)$/);
    }
  }

  // Exactly one new backup, claimed for the latest due time by the cron that ran it.
  const backups = await listBackups();
  assert.equal(backups.length, 1);
  assert.match(backupRan.detail, new RegExp(`^backup ${backups[0]!.backupId} `));
  const startedAfter = withCatalog((catalog) => catalog.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'backup-started'").get()) as { n: number };
  assert.equal(startedAfter.n - startedBefore.n, 1);
  const claim = claimOf('backup');
  assert.deepEqual([claim.lastDue, claim.claimedBy, claim.outcome], [dueAt.toISOString(), runner.claimant, 'ok']);
  assert.equal(claimOf('check').outcome, 'ok');
});

test('a schedule due many times since its last claim runs once', { timeout: 180_000 }, async () => {
  setClaims('last_due = ?', "job_key = 'backup:pg'", daysBefore(dueAt, 10));
  const before = (await listBackups()).length;
  const wake = await cronOnce();
  assert.equal(wake.code, 0, wake.stderr);
  assert.deepEqual(statuses(wake, 'pg', 'backup'), ['started', 'ran']);
  assert.match(outcomesOf(wake, 'pg', 'backup')[0]!.detail, /the due times missed since .* run once/);
  assert.equal((await listBackups()).length, before + 1, 'ten missed days, one backup');

  const again = await cronOnce();
  assert.deepEqual(statuses(again, 'pg', 'backup'), ['not-due']);
  assert.match(outcomesOf(again, 'pg', 'backup')[0]!.detail, new RegExp(`^last claimed for .* by ${escapeRegExp(wake.claimant)} \\(ok\\); next at `));
  assert.equal((await listBackups()).length, before + 1);
});

test('a due drill_schedule drills the newest backup to the latest WAL with drill_validation_sql, once, and records it', { timeout: 240_000 }, async () => {
  const newest = (await listBackups())[0];
  assert.ok(newest, 'the earlier tests took backups');
  // The newest backup's end WAL must reach the archive: close the segment, wait for archive_command;
  // the pass archives incoming/ before it drills.
  const lastWal = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  for (let waited = 0; (await cluster.psql('select coalesce(last_archived_wal, \'\') from pg_stat_archiver')) < lastWal; waited += 200) {
    if (waited > 30_000) assert.fail(`wal ${lastWal} was not archived within 30 s`);
    await sleep(200);
  }
  setClaims('last_due = ?', "job_key = 'drill:pg'", daysBefore(dueAt, 2));
  // intake runs once a minute: the earlier tests' crons may have had this minute's
  setClaims('last_due = ?', "job_key = 'archive-incoming:pg'", '2000-01-01T00:00:00.000Z');
  const run = await cronOnce();
  assert.equal(run.code, 0, JSON.stringify(run.outcomes.filter((outcome) => outcome.status === 'failed')));
  assert.deepEqual(statuses(run, 'pg', 'drill'), ['started', 'ran'], JSON.stringify(outcomesOf(run, 'pg', 'drill')));
  assert.match(outcomesOf(run, 'pg', 'drill')[1]!.detail, new RegExp(`^backup ${newest.backupId} restored to .* and validated`));

  const drills = JSON.parse((await barkeep('-f', 'json', 'list-drills', 'pg', '--last')).stdout) as {
    backupId: string; ok: boolean; validation: { query: string; rows: Record<string, unknown>[] }[];
  }[];
  assert.equal(drills.length, 1);
  assert.equal(drills[0]!.backupId, newest.backupId);
  assert.equal(drills[0]!.ok, true);
  assert.deepEqual(drills[0]!.validation.map((result) => result.rows), [[{ databases: 3 }], [{ answer: 42 }]]);

  const again = await cronOnce();
  assert.deepEqual(statuses(again, 'pg', 'drill'), ['not-due']);
});

test('a claim left by a dead process is taken over; one held by a live process is left alone', { timeout: 180_000 }, async () => {
  const before = (await listBackups()).length;
  // A run of the latest due time that never finished, claimed by a live process (this test runner): it still goes on.
  const alive = `${process.pid}@${os.hostname()}`;
  setClaims('claimed_by = ?, finished_at = NULL, outcome = NULL', "job_key = 'backup:pg'", alive);
  const blocked = await cronOnce();
  assert.deepEqual(statuses(blocked, 'pg', 'backup'), ['running']);
  assert.match(outcomesOf(blocked, 'pg', 'backup')[0]!.detail, new RegExp(`by ${escapeRegExp(alive)} still goes on`));
  assert.deepEqual(statuses(blocked, 'pg', 'retention'), ['skipped'], 'retention waits for the backup it believes runs');
  assert.equal((await listBackups()).length, before);

  // The same claim, by a process that is gone: taken over, and the due time runs.
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  setClaims('claimed_by = ?', "job_key = 'backup:pg'", `${dead}@${os.hostname()}`);
  const takeover = await cronOnce();
  assert.equal(takeover.code, 0, takeover.stderr);
  assert.deepEqual(statuses(takeover, 'pg', 'backup'), ['started', 'ran']);
  assert.match(outcomesOf(takeover, 'pg', 'backup')[0]!.detail, new RegExp(`taken over from ${dead}@`));
  assert.equal((await listBackups()).length, before + 1);
  assert.deepEqual([claimOf('backup').claimedBy, claimOf('backup').outcome], [takeover.claimant, 'ok']);
});

/** Processes running `barkeep … receive-wal stream` with this test's configuration. */
function receiveWalProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (args.includes(configFile) && args.includes('receive-wal') && args.includes('stream')) pids.push(Number(entry));
  }
  return pids;
}

test('cron starts one receive-wal; a second cron at the same moment does not start another', { timeout: 180_000 }, async () => {
  writeFileSync(path.join(home, 'conf.d', 'stream.conf'), [
    '[stream]', `conninfo = ${cluster.conninfo}`, 'streaming_archiver = on', `slot_name = ${slot}`, 'create_slot = auto',
    'check_schedule = off', '',
  ].join('\n'));
  const streamDirectory = path.join(home, 'stream');

  await startEarlyInAMinute();
  const runs = await Promise.all([cronOnce(), cronOnce()]);
  const report = runs.map((run) => JSON.stringify(outcomesOf(run, 'stream', 'receive-wal'))).join('\n');
  const started = runs.flatMap((run) => outcomesOf(run, 'stream', 'receive-wal')).filter((outcome) => outcome.status === 'started');
  assert.equal(started.length, 1, report);
  for (const run of runs) assert.equal(statuses(run, 'stream', 'receive-wal').length, 1, report);
  const pid = Number(/^pid (\d+), log /.exec(started[0]!.detail)?.[1]);
  receiverPids.add(pid);
  registerExitCleanup(() => {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGTERM');
  });

  const holder = readArchiverLock(streamDirectory);
  assert.deepEqual([holder?.pid, holder?.owner], [pid, 'receive-wal']);
  assert.deepEqual(receiveWalProcesses(), [pid], 'one receive-wal process, detached from the cron that started it');
  for (let waited = 0; (await cluster.psql(`select active from pg_replication_slots where slot_name = '${slot}'`)) !== 't'; waited += 200) {
    if (waited > 60_000) throw new Error(`receive-wal never streamed:\n${readFileSync(path.join(streamDirectory, 'receive-wal.log'), 'utf8')}`);
    await sleep(200);
  }

  const later = await cronOnce();
  assert.deepEqual(statuses(later, 'stream', 'receive-wal'), ['running']);
  assert.match(outcomesOf(later, 'stream', 'receive-wal')[0]!.detail, new RegExp(`^pid ${pid}, since `));
  assert.deepEqual(receiveWalProcesses(), [pid]);

  const stopped = await barkeep('receive-wal', '--stop', 'stream');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.equal(isProcessAlive(pid), false);
  assert.match(readFileSync(path.join(streamDirectory, 'receive-wal.log'), 'utf8'), /receive-wal for server 'stream' stopped/);
});

test('cron --daemon runs passes in-process, streams WAL itself, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
  // receive-wal of `stream` was started this minute already: make it due at once rather than at the next minute.
  setClaims('last_due = ?', "job_key = 'receive-wal:stream'", '2000-01-01T00:00:00.000Z');
  const child = spawn(process.execPath, [path.join(root, 'bin', 'barkeep.js'), '-c', configFile, 'cron', '--daemon'], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_'))),
  });
  const unregister = registerExitCleanup(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    for (let waited = 0; !/ stream: receive-wal: started - in this process/.test(output); waited += 200) {
      if (waited > 60_000 || child.exitCode !== null) throw new Error(`the daemon started no archiver:\n${output}`);
      await sleep(200);
    }
    assert.match(output, /^barkeep cron --daemon \(pid \d+\): a pass every minute over /m);
    assert.equal(readArchiverLock(path.join(home, 'stream'))?.pid, child.pid, 'the archiver runs inside the daemon');
    assert.doesNotMatch(output, /: (not due|running|skipped) - |disk-sample: ran/, 'the daemon prints what changed, not the routine of every minute');
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    unregister();
  }
  assert.match(output, /stopping \(SIGTERM\)/);
  assert.equal(readArchiverLock(path.join(home, 'stream')), null, 'the archiver flushed and released its lock');
});
