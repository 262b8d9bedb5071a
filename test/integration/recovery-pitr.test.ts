// Point-in-time restore on a real cluster through the real `barkeep restore`:
// the WAL arrives in Barkeep's own archive (archive_command into incoming/,
// archived by `barkeep archive-wal`), a backup with method postgres, then marker
// rows across several WAL segments with a recorded xid, time, restore point and
// LSN. Each target kind (xid, time, name, lsn, immediate) is restored into a
// fresh postgres-owned folder, started on a free port, promoted, and must hold
// exactly the markers before its target. Refusals write nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import type { TestCluster } from '../support/pg-cluster';
import { archiveWrittenWal, newestBackup, takeBackup } from '../support/recovery-archive';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
let cluster: TestCluster;
let home: string;
let backupEndTime: string;
const recorded = { xidOfM2: '', timeAfterM3: '', lsnAfterM5: '' };

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

before(async () => {
  fixture = await startArchivedCluster('pitr');
  ({ cluster, home } = fixture);
  await cluster.psql('create table markers (id int primary key, note text not null, at timestamptz not null default clock_timestamp())');

  await takeBackup(fixture);
  backupEndTime = (await newestBackup(fixture)).endTime;

  // Markers 1–6, each in its own transaction and its own WAL segment.
  const insert = async (id: number): Promise<string> => {
    const xid = await cluster.psql(`begin; insert into markers (id, note) values (${id}, 'm${id}'); select txid_current(); commit;`);
    await cluster.psql('select pg_switch_wal()');
    return xid;
  };
  await insert(1);
  recorded.xidOfM2 = await insert(2);
  await insert(3);
  await sleep(30);
  recorded.timeAfterM3 = await cluster.psql('select clock_timestamp()');
  await sleep(30);
  await insert(4);
  await cluster.psql("select pg_create_restore_point('before_m5')");
  await insert(5);
  recorded.lsnAfterM5 = await cluster.psql('select pg_current_wal_lsn()');
  await insert(6);
  // Close the last segment, wait until archive_command delivered it, and archive everything in incoming/.
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
});

/** Restores with `args` into a new folder, starts it on a free port, waits for promotion, returns the markers it holds. */
async function restoreAndReadMarkers(args: string[]): Promise<{ markers: string; stdout: string }> {
  const folder = await makeRestoreFolder('pitr-restore', cluster.binDir);
  const { dataDir } = folder;
  try {
    const result = await barkeep('restore', 'pg', dataDir, ...args, '--target-action', 'promote');
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.ok(existsSync(path.join(dataDir, 'recovery.signal')));
    assert.ok(!existsSync(path.join(dataDir, 'postmaster.pid')));
    const autoConf = readFileSync(path.join(dataDir, 'postgresql.auto.conf'), 'utf8');
    assert.match(autoConf, /^archive_mode = off$/m);
    assert.match(autoConf, /# the original setting was: .*archive_command = /);
    const { psql } = await startRestoredCluster(folder);
    const markers = await psql("select coalesce(string_agg(id || ':' || note, ',' order by id), '') from markers");
    assert.ok(!existsSync(path.join(dataDir, 'barkeep_wal')), 'recovery_end_command removed the copied wal');
    return { markers, stdout: result.stdout };
  } finally {
    await folder.dispose();
  }
}

test('--target-xid restores up to and including that transaction', async () => {
  const { markers, stdout } = await restoreAndReadMarkers(['--target-xid', recorded.xidOfM2]);
  assert.equal(markers, '1:m1,2:m2');
  assert.match(stdout, /restored backup \d{8}T\d{6} of server 'pg' into '.*data': .* recovery target: transaction \d+/);
  assert.match(stdout, /pg_ctl -D .*data start/);
});

test('--target-time restores the markers committed before that time', async () => {
  const { markers } = await restoreAndReadMarkers(['--target-time', recorded.timeAfterM3]);
  assert.equal(markers, '1:m1,2:m2,3:m3');
});

test('--target-name restores up to the restore point', async () => {
  const { markers } = await restoreAndReadMarkers(['--target-name', 'before_m5']);
  assert.equal(markers, '1:m1,2:m2,3:m3,4:m4');
});

test('--target-lsn --target-exclusive restores what was written before the lsn', async () => {
  const { markers } = await restoreAndReadMarkers(['--target-lsn', recorded.lsnAfterM5, '--target-exclusive']);
  assert.equal(markers, '1:m1,2:m2,3:m3,4:m4,5:m5');
});

test('--target-immediate stops as soon as the backup is consistent: no markers', async () => {
  const { markers } = await restoreAndReadMarkers(['--target-immediate']);
  assert.equal(markers, '');
});

test('--dry-run prints the plan and writes nothing', async () => {
  const root = await makeTempDir('pitr-dry');
  try {
    const dest = path.join(root, 'data');
    const result = await barkeep('restore', 'pg', 'latest', dest, '--target-name', 'before_m5', '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /backup: +\d{8}T\d{6}/);
    assert.match(result.stdout, /wal: +\d+ segments 00000001[0-9A-F]{16} … 00000001[0-9A-F]{16}/);
    assert.match(result.stdout, /target: +restore point 'before_m5' at lsn [0-9A-F]+\/[0-9A-F]+ on timeline 1, made /);
    assert.match(result.stdout, /dry run: .* nothing was written/);
    assert.ok(!existsSync(dest));
  } finally {
    await removeTempDir(root);
  }
});

test('refusals: a non-empty folder, a target before the oldest backup, a wal gap; nothing written', async () => {
  const root = await makeTempDir('pitr-refuse');
  try {
    writeFileSync(path.join(root, 'keep-me'), 'x');
    const busy = await barkeep('restore', 'pg', root);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^ERROR: the destination '.*' is not empty \(keep-me\)/);
    assert.deepEqual(readdirSync(root), ['keep-me']);

    const dest = path.join(root, 'data');
    const early = new Date(Date.parse(backupEndTime) - 3_600_000).toISOString();
    const before = await barkeep('restore', 'pg', dest, '--target-time', early);
    assert.equal(before.code, 1);
    assert.match(before.stderr, /^ERROR: time .* is before the end of the oldest usable backup \(\d{8}T\d{6}\), which ended at /);
    assert.ok(!existsSync(dest));

    // Take a segment between the backup and the target out of the archive.
    const wals = path.join(home, 'pg', 'wals');
    const folder = readdirSync(wals).find((name) => /^[0-9A-F]{16}$/.test(name))!;
    const segments = readdirSync(path.join(wals, folder)).sort();
    const victim = segments.at(-3)!;
    renameSync(path.join(wals, folder, victim), path.join(root, victim));
    try {
      const gap = await barkeep('restore', 'pg', dest);
      assert.equal(gap.code, 1);
      assert.match(gap.stderr, new RegExp(`^ERROR: wal gap: segment ${victim.slice(0, 24)} of server 'pg' is missing from the archive`));
      assert.ok(!existsSync(dest));
    } finally {
      renameSync(path.join(root, victim), path.join(wals, folder, victim));
    }
  } finally {
    await removeTempDir(root);
  }
});
