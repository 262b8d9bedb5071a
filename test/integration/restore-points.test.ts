// Restore points known from the archived WAL, on a real PostgreSQL 15 cluster whose WAL is archived (gzip)
// into a Barkeep home: restore points made with pg_create_restore_point() between two backups are found as
// their segments are archived, listed by `list-restore-points` with the LSNs PostgreSQL returned, found again
// by `rebuild-catalog` from the segments themselves, and placed by a restore plan (which picks the backup
// that reaches the restore point); an unknown name gives the warning. The scanner, run over real archived
// segments, finds the same records as pg_waldump; a restore to the first restore point from the backup the
// plan chose holds none of the rows written after it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readArchivedWal } from '../../src-main/engine/wal/archive-store';
import { formatLsn, parseLsn } from '../../src-main/engine/wal/lsn';
import { scanWalRestorePoints } from '../../src-main/engine/wal/wal-records';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';
import { archiveWrittenWal, newestBackup, takeBackup } from '../support/recovery-archive';
import { listRestorePoints, rebuildCatalogFromScratch } from '../support/restore-point-cli';
import { makeRestoreFolder, startRestoredCluster } from '../support/recovery-restored-cluster';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

let fixture: ArchivedCluster | undefined;
/** what pg_create_restore_point() returned, in the order they were made */
const made: { name: string; lsn: string }[] = [];
let clockWindow = { from: 0, to: 0 };
let firstBackup = '';
let secondBackup = '';

const barkeep = (...args: string[]) => fixture!.barkeep(...args);
const walsDirectory = (): string => path.join(fixture!.home, 'pg', 'wals');

before(async () => {
  fixture = await startArchivedCluster('restore-points', ['compression = gzip']);
  const { cluster } = fixture;
  await cluster.psql('create table notes (id int primary key, note text not null)');
  await takeBackup(fixture);
  firstBackup = (await newestBackup(fixture)).backupId;

  clockWindow.from = Date.now();
  const makePoint = async (name: string): Promise<void> => {
    made.push({ name, lsn: await cluster.psql(`select pg_create_restore_point('${name}')`) });
  };
  await makePoint('before-change');
  await cluster.psql("insert into notes select g, 'note ' || g from generate_series(1, 2000) g");
  await makePoint('after-change');
  await cluster.psql('select pg_switch_wal()');
  // The same name again, in a later segment: PostgreSQL allows it, and recovery stops at the first after the backup.
  await makePoint('before-change');
  clockWindow = { ...clockWindow, to: Date.now() };

  // A second backup after all of them: a plan to 'before-change' must not choose it.
  await takeBackup(fixture);
  secondBackup = (await newestBackup(fixture)).backupId;
  await archiveWrittenWal(fixture);
});

after(async () => {
  await fixture?.stop();
});

test('list-restore-points lists exactly the restore points made, with the LSNs PostgreSQL returned, newest last', async () => {
  const points = await listRestorePoints(fixture!);
  assert.deepEqual(points.map((point) => ({ name: point.name, lsn: point.endLsn })), made);
  for (const point of points) {
    assert.equal(point.timeline, 1);
    const at = Date.parse(point.time);
    assert.ok(at >= clockWindow.from && at <= clockWindow.to, `${point.time} is within the test's clock window`);
    assert.match(point.segment, /^000000010000000000000[0-9A-F]{3}$/);
  }
  assert.notEqual(points[0]!.segment, points[2]!.segment, 'the second before-change is after the switch');

  const printed = await barkeep('list-restore-points', 'pg');
  assert.equal(printed.code, 0, printed.stderr);
  const lines = printed.stdout.trim().split('\n');
  assert.match(lines[0]!, /^Name +Time +LSN +Timeline$/);
  assert.deepEqual(lines.slice(-3).map((line) => line.split(/ +/).filter((word) => !word.startsWith('-'))), points.map((point) => [point.name, point.time, point.endLsn, '1']));
});

test('the scanner finds in real archived segments what pg_waldump finds', async () => {
  const points = await listRestorePoints(fixture!);
  const root = await makeTempDir('restore-points-waldump');
  try {
    for (const segment of [...new Set(points.map((point) => point.segment))]) {
      const bytes = readArchivedWal(walsDirectory(), segment);
      assert.ok(bytes, `${segment} is archived`);
      writeFileSync(path.join(root, segment), bytes);
      const waldump = spawnSync(path.join(fixture!.cluster.binDir, 'pg_waldump'), ['-p', root, '-r', 'XLOG', segment], { encoding: 'utf8' });
      // pg_waldump stops with an error at the end of the written WAL; the records before it are what counts.
      const expected = [...waldump.stdout.matchAll(/lsn: ([0-9A-F]+\/[0-9A-F]+), prev [^,]+, desc: RESTORE_POINT (.+)$/gm)]
        .map((match) => ({ name: match[2]!, startLsn: formatLsn(parseLsn(match[1]!)) })); // it prints 0/0300A028
      const scanned = scanWalRestorePoints(bytes);
      assert.deepEqual(scanned.map((point) => ({ name: point.name, startLsn: formatLsn(point.startLsn) })), expected, waldump.stderr);
      assert.deepEqual(scanned.map((point) => formatLsn(point.endLsn)), points.filter((point) => point.segment === segment).map((point) => point.endLsn));
    }
  } finally {
    await removeTempDir(root);
  }
  // Every other archived segment holds none.
  const folder = path.join(walsDirectory(), '0000000100000000');
  const others = readdirSync(folder).filter((file) => /^[0-9A-F]{24}\.gz$/.test(file)).map((file) => file.slice(0, 24))
    .filter((segment) => !points.some((point) => point.segment === segment));
  assert.ok(others.length > 0);
  for (const segment of others) assert.deepEqual(scanWalRestorePoints(readArchivedWal(walsDirectory(), segment)!), [], segment);
});

test('rebuild-catalog finds the same restore points again in the archived segments', async () => {
  const before = await listRestorePoints(fixture!);
  assert.equal(await rebuildCatalogFromScratch(fixture!), 3);
  assert.deepEqual(await listRestorePoints(fixture!), before);

  // On the console it says how far the scan has come, ending with every archived segment read.
  const segments = readdirSync(path.join(walsDirectory(), '0000000100000000')).filter((file) => /^[0-9A-F]{24}\.gz$/.test(file)).length;
  const printed = await barkeep('rebuild-catalog');
  assert.equal(printed.code, 0, printed.stderr);
  const lines = printed.stderr.trimEnd().split('\n');
  assert.equal(lines.at(-1), `reading the archived WAL of server 'pg' for restore points: ${segments} of ${segments} segments`, printed.stderr);
  assert.match(printed.stdout, /^ {2}restore points: +3$/m);
  assert.deepEqual(await listRestorePoints(fixture!), before);
});

test('a restore plan to a known restore point names it and starts from the backup that reaches it', async () => {
  const root = await makeTempDir('restore-points-plan');
  try {
    const dest = path.join(root, 'data');
    const planned = await barkeep('restore', 'pg', 'latest', dest, '--target-name', 'before-change', '--dry-run');
    assert.equal(planned.code, 0, planned.stderr + planned.stdout);
    assert.notEqual(firstBackup, secondBackup);
    assert.match(planned.stdout, new RegExp(`backup: +${firstBackup} `), 'the newer backup began after the restore point');
    const first = (await listRestorePoints(fixture!))[0]!;
    assert.ok(planned.stdout.includes(`target:      restore point 'before-change' at lsn ${made[0]!.lsn} on timeline 1, made ${first.time}, then pause`), planned.stdout);
    assert.doesNotMatch(planned.stdout, /WARNING/);
    assert.ok(!existsSync(dest));

    const unknown = await barkeep('restore', 'pg', 'latest', dest, '--target-name', 'no-such-point', '--dry-run');
    assert.equal(unknown.code, 0, unknown.stderr);
    assert.match(unknown.stdout, new RegExp(`backup: +${secondBackup} `), 'the newest backup, as before');
    assert.match(unknown.stdout, /^ {2}WARNING: no restore point named 'no-such-point' is known in the archived wal of server 'pg'; recovery will replay all wal if it is not found$/m);
  } finally {
    await removeTempDir(root);
  }
});

test('the restore to that restore point, from the backup the plan chose, stops at its first occurrence', async () => {
  const folder = await makeRestoreFolder('restore-points-restore', fixture!.cluster.binDir);
  try {
    const restored = await barkeep('restore', 'pg', folder.dataDir, '--target-name', 'before-change', '--target-action', 'promote');
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    assert.match(restored.stdout, new RegExp(`restored backup ${firstBackup} of server 'pg'`));
    const { psql } = await startRestoredCluster(folder);
    // 'before-change' was first made before the 2,000 notes were written.
    assert.equal(await psql('select count(*) from notes'), '0');
  } finally {
    await folder.dispose();
  }
});
