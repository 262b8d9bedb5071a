// Timelines and drills on a real cluster. A backup with Barkeep's own archive,
// rows a1 a2; a restored copy promotes to timeline 2, writes b1 (then a recorded
// time) and b2, and its timeline-2 WAL and 00000002.history go into the same
// archive through `put-wal` + `archive-wal`; meanwhile the original writes c1 on
// timeline 1. A restore with --target-tli 2 to the recorded time must follow the
// history file: a1 a2 b1, never b2 nor c1. Drills (`barkeep drill`) pass, fail
// cleanly on a bad query or when cancelled, always leave nothing behind, and
// land in the catalog.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { listDrills, saveDrill } from '../../src-main/engine/catalog/drill-queries';
import { loadConfig } from '../../src-main/engine/config/load';
import { readWalArchiveView } from '../../src-main/engine/recovery/archive-view';
import { runDrill } from '../../src-main/engine/recovery/drill';
import { planRestore } from '../../src-main/engine/recovery/plan';
import { parseRecoveryTarget } from '../../src-main/engine/recovery/target';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let home: string;
let configFile: string;
const recorded = { xidOfA1: '', timeAfterB1: '' };

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rowsSql = "select coalesce(string_agg(note, ',' order by id), '') from markers";

interface Restored {
  dataDir: string;
  psql(sql: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Restores with `barkeep restore … --target-action promote`, starts the copy on a free port and waits for promotion. */
async function restoreAndStart(args: string[]): Promise<Restored> {
  const folder = await makeRestoreFolder('tli-restore', cluster.binDir);
  try {
    const result = await barkeep('restore', 'pg', folder.dataDir, ...args, '--target-action', 'promote');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const { psql } = await startRestoredCluster(folder);
    return { dataDir: folder.dataDir, psql, dispose: folder.dispose };
  } catch (error) {
    await folder.dispose();
    throw error;
  }
}

before(async () => {
  fixture = await startArchivedCluster('tli');
  ({ cluster, home, configFile } = fixture);
  await cluster.psql('create table markers (id int primary key, note text not null)');
  await takeBackup(fixture);
  recorded.xidOfA1 = await cluster.psql("begin; insert into markers values (1, 'a1'); select txid_current(); commit;");
  await cluster.psql("insert into markers values (2, 'a2')");
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
});

test('a promoted copy archives timeline 2; a restore to a point on timeline 2 follows the history file', async () => {
  // 1. restore to the latest wal and promote: a new timeline, same system
  const first = await restoreAndStart([]);
  try {
    assert.equal(await first.psql(rowsSql), 'a1,a2');
    assert.equal(await first.psql('select pg_walfile_name(pg_current_wal_lsn())').then((name) => name.slice(0, 8)), '00000002');
    assert.equal(await first.psql('select system_identifier::text from pg_control_system()'), await cluster.psql('select system_identifier::text from pg_control_system()'));

    // 2. rows on timeline 2 around a recorded time, then its wal into the same archive
    await first.psql("insert into markers values (3, 'b1')");
    await sleep(30);
    recorded.timeAfterB1 = await first.psql('select clock_timestamp()');
    await sleep(30);
    await first.psql("insert into markers values (4, 'b2')");
    const lastOnTwo = await first.psql('select pg_walfile_name(pg_switch_wal())');
    // No checkpoint here: with archiving off in the copy, it would remove the finished segments.
    const walDir = path.join(first.dataDir, 'pg_wal');
    const toArchive = readdirSync(walDir).filter((name) => name === '00000002.history' || (/^00000002[0-9A-F]{16}$/.test(name) && name <= lastOnTwo)).sort();
    assert.ok(toArchive.includes('00000002.history') && toArchive.length >= 2, toArchive.join(' '));
    for (const name of toArchive) {
      const put = await putWal(name, readFileSync(path.join(walDir, name)));
      assert.equal(put.code, 0, `${name}: ${put.stderr}`);
    }
  } finally {
    await first.dispose();
  }
  // 3. the original goes on writing on timeline 1, into the same archive
  await cluster.psql("insert into markers values (5, 'c1')");
  await archiveWrittenWal(fixture!);

  // 4. back to the recorded time on timeline 2, through 00000002.history
  const plan = await barkeep('restore', 'pg', '/tmp/barkeep-test-never-written', '--target-tli', '2', '--target-time', recorded.timeAfterB1, '--dry-run');
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /timeline: +2 \(2\)/);
  assert.match(plan.stdout, /\+ 00000002\.history/);
  const second = await restoreAndStart(['--target-tli', '2', '--target-time', recorded.timeAfterB1]);
  try {
    assert.equal(await second.psql(rowsSql), 'a1,a2,b1');
    // Promoted from timeline 2, it is on timeline 3, whose history names 2 as its parent.
    assert.equal((await second.psql('select pg_walfile_name(pg_current_wal_lsn())')).slice(0, 8), '00000003');
    const history = readFileSync(path.join(second.dataDir, 'pg_wal', '00000003.history'), 'utf8').trim().split('\n');
    assert.match(history.at(-1)!, /^2\t/);
  } finally {
    await second.dispose();
  }
  // 5. latest on timeline 1 is still what the original wrote there
  const onOne = await restoreAndStart(['--target-tli', '1']);
  try {
    assert.equal(await onOne.psql(rowsSql), 'a1,a2,c1');
  } finally {
    await onOne.dispose();
  }
});

test('drills pass on the original backup, are recorded, and leave nothing behind; a failing one too', async () => {
  const tempRoot = await makeTempDir('tli-drills', { owner: 'postgres' });
  try {
    const passed = await barkeep('-f', 'json', 'drill', 'pg', 'latest', '--target-tli', '1', '--temp-dir', tempRoot);
    assert.equal(passed.code, 0, passed.stderr + passed.stdout);
    const report = JSON.parse(passed.stdout) as { ok: boolean; reachedLsn: string; reachedTime: string; timeline: number; reachedState: string; validation: { database: string; rows: Record<string, unknown>[] }[] };
    assert.equal(report.ok, true);
    assert.equal(report.reachedState, 'promoted');
    assert.match(report.reachedLsn, /^[0-9A-F]+\/[0-9A-F]+$/);
    assert.ok(Date.parse(report.reachedTime) > 0);
    assert.equal(report.timeline, 2);
    assert.deepEqual(report.validation.find((entry) => entry.database === 'postgres' && 'user_tables' in entry.rows[0]!)?.rows, [{ user_tables: 1 }]);
    assert.deepEqual(readdirSync(tempRoot), []);

    const paused = await barkeep('drill', 'pg', '--target-xid', recorded.xidOfA1, '--target-tli', 'current', '--target-action', 'pause',
      '--temp-dir', tempRoot, '--sql', "select string_agg(note, ',' order by id) as notes from markers");
    assert.equal(paused.code, 0, paused.stderr + paused.stdout);
    assert.match(paused.stdout, /drill passed: .* transaction \d+/);
    assert.match(paused.stdout, /recovery paused at lsn [0-9A-F]+\/[0-9A-F]+/);
    assert.match(paused.stdout, /postgres: notes=a1 /);

    const failed = await barkeep('drill', 'pg', '--target-tli', '1', '--temp-dir', tempRoot, '--sql', 'select * from no_such_table');
    assert.equal(failed.code, 1, failed.stderr + failed.stdout);
    assert.match(failed.stdout, /drill FAILED: .*\n(.*\n)* {2}error: validation query failed in database 'postgres': relation "no_such_table" does not exist/);
    assert.deepEqual(readdirSync(tempRoot), []);
  } finally {
    await removeTempDir(tempRoot);
  }
  const catalog = Catalog.open(path.join(home, 'catalog.db'));
  try {
    const drills = listDrills(catalog, 'pg');
    assert.deepEqual(drills.map((row) => row.ok), [false, true, true]);
    assert.equal(drills[2]!.timeline, 2);
    assert.match(drills[0]!.error!.message, /no_such_table/);
    assert.ok(drills.every((row) => row.backupId !== null && row.durationSeconds > 0 && row.finishedAt >= row.startedAt));
  } finally {
    catalog.close();
  }
  const listed = await barkeep('list-drills', 'pg', '--last');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /FAILED: validation query failed/);

  // The last drill is part of the server's health: a failed one makes it WARNING and is named.
  const servers = await barkeep('-f', 'json', 'list-servers');
  const pg = JSON.parse(servers.stdout).find((candidate: { name: string }) => candidate.name === 'pg');
  assert.equal(pg.health, 'warning');
  assert.equal(pg.failingChecks[0].name, 'last restore drill');
  assert.match(pg.failingChecks[0].detail, /no_such_table/);
});

test('a drill cancelled during recovery stops its cluster, deletes its folder and is recorded as cancelled', async () => {
  const tempRoot = await makeTempDir('tli-cancel', { owner: 'postgres' });
  const catalog = Catalog.open(path.join(home, 'catalog.db'));
  try {
    const server = loadConfig(configFile).servers.find((candidate) => candidate.name === 'pg')!;
    const backups = catalog.listBackups('pg');
    const plan = planRestore({ server: 'pg', backups, archive: readWalArchiveView(server.walsDirectory), backupSelector: null,
      target: parseRecoveryTarget({ timeline: '1', action: 'promote' }) });
    const controller = new AbortController();
    const phases: string[] = [];
    const drill = runDrill(plan, { store: server, binDir: cluster.binDir, user: 'postgres', tempRoot, record: (row) => saveDrill(catalog, row) }, {
      signal: controller.signal,
      progress: (update) => {
        if (update.phase !== undefined && phases.at(-1) !== update.phase) phases.push(update.phase);
        if (update.phase === 'recovering') controller.abort();
      },
      log: () => undefined,
    });
    await assert.rejects(drill, (error: Error & { code?: string }) => error.code === 'cancelled');
    assert.deepEqual(phases.slice(-2), ['recovering', 'cleaning up']);
    assert.deepEqual(readdirSync(tempRoot), []);
    const last = listDrills(catalog, 'pg', 1)[0]!;
    assert.equal(last.ok, false);
    assert.equal(last.error?.code, 'cancelled');
  } finally {
    catalog.close();
    await removeTempDir(tempRoot);
  }
});

/** `barkeep put-wal pg --name NAME < file` (the far end of an archive_command), then `archive-wal`. */
async function putWal(name: string, data: Buffer): Promise<{ code: number; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
  const put = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'barkeep.js'), '-c', configFile, 'put-wal', 'pg', '--name', name],
      { cwd: repoRoot, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    child.stdin.end(data);
  });
  if (put.code !== 0) return put;
  const archived = await barkeep('archive-wal', 'pg');
  return { code: archived.code, stderr: archived.stderr + archived.stdout };
}
