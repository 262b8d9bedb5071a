import assert from 'node:assert/strict';
import { test } from 'node:test';
import { excludeFromBackup, isDatabaseFolder } from './exclusions';
import type { RemoteEntry } from './remote-listing';

function entry(backupPath: string, type: RemoteEntry['type'] = 'file', linkTarget: string | null = null): RemoteEntry {
  return { backupPath, remotePath: `/pgdata/${backupPath}`, type, size: 8192, mtime: new Date(0), mode: type === 'directory' ? 0o700 : 0o600, linkTarget };
}

function keptPaths(entries: RemoteEntry[]): string[] {
  return excludeFromBackup(entries).kept.map((kept) => kept.backupPath).sort();
}

test('what pg_basebackup skips at the top of the data folder', () => {
  const kept = keptPaths([
    entry('PG_VERSION'), entry('postgresql.conf'), entry('postgresql.auto.conf'), entry('postgresql.auto.conf.tmp'),
    entry('postmaster.pid'), entry('postmaster.opts'), entry('backup_label'), entry('tablespace_map'), entry('backup_manifest'),
    entry('backup_label.old'), entry('tablespace_map.old'), entry('standby.signal'), entry('recovery.signal'),
    entry('current_logfiles'), entry('current_logfiles.tmp'), entry('global', 'directory'), entry('global/pg_control'),
    entry('global/pg_internal.init'), entry('global/pg_internal.init.12345'), entry('global/1262'),
  ]);
  assert.deepEqual(kept, ['PG_VERSION', 'global', 'global/1262', 'global/pg_control', 'postgresql.auto.conf', 'postgresql.conf']);
});

test('folders whose contents are skipped are kept empty; pg_wal gains archive_status', () => {
  const folders = ['pg_stat_tmp', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_subtrans', 'pg_wal'];
  const entries = folders.flatMap((folder) => [entry(folder, 'directory'), entry(`${folder}/0000`), entry(`${folder}/sub`, 'directory'), entry(`${folder}/sub/x`)]);
  entries.push(entry('pg_xact', 'directory'), entry('pg_xact/0000'), entry('pg_wal/archive_status', 'directory'));
  const kept = keptPaths(entries);
  assert.deepEqual(kept, [...folders, 'pg_wal/archive_status', 'pg_xact', 'pg_xact/0000'].sort());
});

test('a symlinked pg_wal becomes a folder; tablespace links are dropped, other links kept', () => {
  const result = excludeFromBackup([
    entry('pg_wal', 'symlink', '/wal/disk'),
    entry('pg_tblspc', 'directory'),
    entry('pg_tblspc/16385', 'symlink', '/ts/one'),
    entry('pg_tblspc/16385/PG_15_202209061', 'directory'),
    entry('conf.d', 'symlink', '/etc/pg/conf.d'),
  ]);
  const byPath = new Map(result.kept.map((kept) => [kept.backupPath, kept]));
  assert.equal(byPath.get('pg_wal')?.type, 'directory');
  assert.equal(byPath.get('pg_wal')?.linkTarget, null);
  assert.equal(byPath.get('pg_wal/archive_status')?.type, 'directory');
  assert.ok(!byPath.has('pg_tblspc/16385'));
  assert.ok(byPath.has('pg_tblspc/16385/PG_15_202209061'));
  assert.equal(byPath.get('conf.d')?.type, 'symlink');
  assert.deepEqual(result.skipped, ['pg_tblspc/16385']);
});

test('temporary files and folders are skipped anywhere', () => {
  const kept = keptPaths([
    entry('base/pgsql_tmp', 'directory'), entry('base/pgsql_tmp/pgsql_tmp123.0'),
    entry('pg_tblspc/16385/PG_15_202209061/pgsql_tmp', 'directory'), entry('pg_tblspc/16385/PG_15_202209061/pgsql_tmp/x'),
    entry('base/5/pgsql_tmp99'), entry('base/5/1259'),
  ]);
  assert.deepEqual(kept, ['base/5/1259']);
});

test('unlogged relations keep only their init fork; temporary relations are skipped', () => {
  const kept = keptPaths([
    // 16400 is unlogged (it has an init fork); 16500 is a logged table.
    entry('base/5/16400'), entry('base/5/16400.1'), entry('base/5/16400_fsm'), entry('base/5/16400_vm'), entry('base/5/16400_init'),
    entry('base/5/16500'), entry('base/5/16500_fsm'), entry('base/5/16500.2'),
    entry('base/5/t3_16600'), entry('base/5/t3_16600_fsm'), entry('base/5/t12_16601.1'),
    // The same in a tablespace.
    entry('pg_tblspc/16385/PG_15_202209061/5/17000'), entry('pg_tblspc/16385/PG_15_202209061/5/17000_init'),
    entry('pg_tblspc/16385/PG_15_202209061/5/t4_17001'),
    // Outside a database folder, names that look like relations are left alone.
    entry('global/16400'), entry('global/16400_init'),
  ]);
  assert.deepEqual(kept, [
    'base/5/16400_init', 'base/5/16500', 'base/5/16500.2', 'base/5/16500_fsm',
    'global/16400', 'global/16400_init',
    'pg_tblspc/16385/PG_15_202209061/5/17000_init',
  ]);
});

test('isDatabaseFolder knows base/<oid> and a tablespace version folder/<oid>', () => {
  assert.equal(isDatabaseFolder('base/5'), true);
  assert.equal(isDatabaseFolder('pg_tblspc/16385/PG_15_202209061/5'), true);
  assert.equal(isDatabaseFolder('base'), false);
  assert.equal(isDatabaseFolder('global'), false);
  assert.equal(isDatabaseFolder('base/5/sub'), false);
  assert.equal(isDatabaseFolder('pg_tblspc/16385/other/5'), false);
});
