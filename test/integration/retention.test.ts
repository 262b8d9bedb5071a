// Retention enforcement on a real cluster: three real backups whose times are
// moved into the past (20, 10 and 1 days ago, as if taken then), a RECOVERY
// WINDOW OF 7 DAYS, and `barkeep retention`. The oldest backup is the only
// obsolete one; a standalone keep holds it and exactly its own WAL range;
// released, enforcement deletes it and exactly the WAL no remaining backup
// needs; then both remaining backups still restore, proven by drills that
// count the marker rows each must hold.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig, type ServerConfig } from '../../src-main/engine/config/load';
import { backupFolder, backupInfoFile } from '../../src-main/engine/store/layout';
import { startArchivedCluster, type ArchivedCluster } from '../support/archived-cluster';

interface ListedBackup {
  backupId: string;
  beginWal: string;
  endWal: string;
  keep: string | null;
  retentionStatus: string;
  retentionReason: string;
}

interface RetentionRunJson {
  dryRun: boolean;
  backups: { backupId: string; reason: string }[];
  wal: { deleted: string[]; firstNeeded: string | null };
}

let fixture: ArchivedCluster | undefined;
let server: ServerConfig;
/** oldest first */
let ids: string[] = [];
const dayMs = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function barkeepJson<T>(...args: string[]): Promise<T> {
  const result = await fixture!.barkeep('-f', 'json', ...args);
  assert.equal(result.code, 0, `barkeep ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function archiveEverything(): Promise<void> {
  const cluster = fixture!.cluster;
  const lastWal = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  for (let waited = 0; (await cluster.psql('select last_archived_wal from pg_stat_archiver')) < lastWal; waited += 200) {
    if (waited > 30_000) assert.fail(`wal ${lastWal} was not archived within 30 s`);
    await sleep(200);
  }
  const archived = await fixture!.barkeep('archive-wal', 'pg');
  assert.equal(archived.code, 0, archived.stdout + archived.stderr);
}

/** Every file of the WAL archive, as stored, sorted. */
function archivedWal(): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(server.walsDirectory, { withFileTypes: true })) {
    if (entry.isFile()) names.push(entry.name);
    else if (entry.isDirectory()) names.push(...readdirSync(path.join(server.walsDirectory, entry.name)));
  }
  return names.filter((name) => /^[0-9A-F]{8}/.test(name)).sort();
}

/** timeline+log+segment of a stored WAL file name: the order retention reasons in */
const positionOf = (name: string) => name.slice(8, 24);

/** Moves a backup's begin and end `daysAgo` into the past, keeping its duration, in backup.json (the source of truth). */
function moveBackupIntoThePast(backupId: string, daysAgo: number): void {
  const file = backupInfoFile(server, backupId);
  const info = JSON.parse(readFileSync(file, 'utf8')) as { beginTime: string; endTime: string };
  const duration = Date.parse(info.endTime) - Date.parse(info.beginTime);
  const begin = Date.now() - daysAgo * dayMs;
  info.beginTime = new Date(begin).toISOString();
  info.endTime = new Date(begin + duration).toISOString();
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
}

before(async () => {
  fixture = await startArchivedCluster('retention', ['retention_policy = RECOVERY WINDOW OF 7 DAYS', 'compression = gzip']);
  server = loadConfig(fixture.configFile).servers.find((candidate) => candidate.name === 'pg')!;
  const { cluster } = fixture;
  await cluster.psql('create table marks (phase int, id int)');
  // three backups; marker rows of phase N are written after backup N, each phase in its own WAL segments
  for (let phase = 1; phase <= 3; phase += 1) {
    const result = await fixture.barkeep('backup', 'pg', '--wait', '--wait-timeout', '60');
    assert.equal(result.code, 0, result.stderr);
    await cluster.psql(`insert into marks select ${phase}, g from generate_series(1, ${phase * 100}) g`);
    await archiveEverything();
    await cluster.psql(`insert into marks select ${phase}, -g from generate_series(1, 10) g`);
    await archiveEverything();
    await sleep(1100); // backup ids have a one-second resolution
  }
  ids = (await barkeepJson<ListedBackup[]>('list-backup', 'pg')).map((backup) => backup.backupId).reverse();
  assert.equal(ids.length, 3);
  moveBackupIntoThePast(ids[0]!, 20);
  moveBackupIntoThePast(ids[1]!, 10);
  moveBackupIntoThePast(ids[2]!, 1);
  const rebuilt = await fixture.barkeep('rebuild-catalog');
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
});

after(async () => {
  await fixture?.stop();
});

test('list-backup judges by the window: only the backup before the window\'s base is OBSOLETE, and says why', async () => {
  const listed = await barkeepJson<ListedBackup[]>('list-backup', 'pg');
  assert.deepEqual(listed.map((backup) => [backup.backupId, backup.retentionStatus]), [
    [ids[2], 'VALID'], [ids[1], 'VALID'], [ids[0], 'OBSOLETE'],
  ]);
  assert.match(listed[1]!.retentionReason, /the base for the recovery window/);
  const console = await fixture!.barkeep('list-backup', 'pg');
  assert.match(console.stdout, new RegExp(`pg ${ids[0]} - .* - OBSOLETE\\n`));
  const shown = await fixture!.barkeep('show-backup', 'pg', ids[0]!);
  assert.match(shown.stdout, /retention policy: +OBSOLETE: older than the recovery window starting/);
});

test('a standalone keep holds the obsolete backup and exactly its own WAL range; the WAL around it still goes (dry run)', async () => {
  const kept = await fixture!.barkeep('keep', 'pg', ids[0]!, '--target', 'standalone');
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal((await fixture!.barkeep('keep', 'pg', ids[0]!, '--status')).stdout.trim(), 'Keep: standalone');
  const [oldest, base] = (await barkeepJson<ListedBackup[]>('list-backup', 'pg')).reverse();
  assert.equal(oldest!.retentionStatus, 'KEEP:STANDALONE');
  assert.match((await fixture!.barkeep('list-backup', 'pg')).stdout, new RegExp(`pg ${ids[0]} - .* - KEEP:STANDALONE\\n`));

  const before = archivedWal();
  const dryRun = await barkeepJson<RetentionRunJson>('retention', 'pg', '--dry-run');
  assert.equal(dryRun.dryRun, true);
  assert.deepEqual(dryRun.backups, []);
  // by hand: everything before the base's begin WAL, except the kept backup's [begin, end]
  const expected = before.filter((name) => positionOf(name) < positionOf(base!.beginWal)
    && !(positionOf(name) >= positionOf(oldest!.beginWal) && positionOf(name) <= positionOf(oldest!.endWal)));
  assert.ok(expected.length > 0, 'phase-1 WAL lies between the kept backup\'s end and the base\'s begin');
  assert.deepEqual(dryRun.wal.deleted, expected);
  assert.deepEqual(archivedWal(), before, 'a dry run deletes nothing');
  assert.ok(existsSync(backupFolder(server, ids[0]!)));

  // a kept backup cannot be deleted by hand either
  const refused = await fixture!.barkeep('delete', 'pg', ids[0]!);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /has a keep annotation \(standalone\)/);
});

test('released, enforcement deletes exactly the obsolete backup and the WAL only it needed, and logs each as an event', async () => {
  const released = await fixture!.barkeep('keep', 'pg', ids[0]!, '--release');
  assert.equal(released.code, 0, released.stderr);
  assert.equal((await fixture!.barkeep('keep', 'pg', ids[0]!, '--status')).stdout.trim(), 'Keep: nokeep');
  const [oldest, base] = (await barkeepJson<ListedBackup[]>('list-backup', 'pg')).reverse();
  const before = archivedWal();

  const run = await barkeepJson<RetentionRunJson>('retention', 'pg');
  assert.deepEqual(run.backups.map((backup) => backup.backupId), [ids[0]]);
  const gone = before.filter((name) => positionOf(name) < positionOf(base!.beginWal));
  // the WAL the deleted backup needed (from its begin to the base's begin) is among what went
  assert.ok(gone.some((name) => positionOf(name) === positionOf(oldest!.beginWal)));
  assert.deepEqual(run.wal.deleted, gone);
  assert.deepEqual(archivedWal(), before.filter((name) => !gone.includes(name)), 'every WAL file from the base\'s begin on stays');
  assert.equal(run.wal.firstNeeded?.slice(0, 24), base!.beginWal);

  assert.equal(existsSync(backupFolder(server, ids[0]!)), false);
  const listed = await barkeepJson<ListedBackup[]>('list-backup', 'pg');
  assert.deepEqual(listed.map((backup) => [backup.backupId, backup.retentionStatus]), [[ids[2], 'VALID'], [ids[1], 'VALID']]);

  const catalog = new Database(path.join(fixture!.home, 'catalog.db'), { readonly: true });
  try {
    const events = catalog.prepare("SELECT kind, message FROM events WHERE server = 'pg' AND kind IN ('backup-deleted', 'wal-deleted', 'backup-kept', 'backup-keep-released') ORDER BY id").all() as { kind: string; message: string }[];
    assert.deepEqual(events.map((event) => event.kind), ['backup-kept', 'backup-keep-released', 'backup-deleted', 'wal-deleted']);
    assert.match(events[2]!.message, new RegExp(`backup ${ids[0]} deleted by the retention policy: older than the recovery window`));
    assert.match(events[3]!.message, new RegExp(`^${gone.length} WAL files deleted`));
    const indexed = catalog.prepare("SELECT COUNT(*) FROM wal_segments WHERE server = 'pg' AND name < ?").pluck().get(base!.beginWal) as number;
    assert.equal(indexed, 0, 'the catalog forgot the deleted segments');
  } finally {
    catalog.close();
  }

  // a second pass finds nothing more to do
  const again = await barkeepJson<RetentionRunJson>('retention', 'pg');
  assert.deepEqual(again.backups, []);
  assert.deepEqual(again.wal.deleted, []);
});

test('the remaining backups still restore: drills hold the expected marker rows', async () => {
  // from the base (10 days "ago") to the end of the archive: every phase's rows
  const latest = await barkeepJson<{ ok: boolean; validation: { rows: Record<string, unknown>[] }[] }>(
    'drill', 'pg', ids[1]!, '--sql', 'select count(*)::int as n, count(distinct phase)::int as phases from marks');
  assert.equal(latest.ok, true);
  assert.deepEqual(latest.validation[0]!.rows, [{ n: 100 + 200 + 300 + 30, phases: 3 }]);
  // the newest backup, to its own end: phases 1 and 2 only
  const immediate = await barkeepJson<{ ok: boolean; validation: { rows: Record<string, unknown>[] }[] }>(
    'drill', 'pg', ids[2]!, '--target-immediate', '--sql', 'select count(*)::int as n, max(phase)::int as last from marks');
  assert.equal(immediate.ok, true);
  assert.deepEqual(immediate.validation[0]!.rows, [{ n: 100 + 200 + 20, last: 2 }]);
});
