// What recovery tests do to an ArchivedCluster (archived-cluster.ts) before they
// restore: take a backup with `backup --wait`, read the newest backup's id and end
// time, and bring every WAL segment written so far into Barkeep's archive (switch,
// wait for archive_command, `archive-wal`). Each step asserts the exit code it needs.
import assert from 'node:assert/strict';
import type { ArchivedCluster } from './archived-cluster';

/** `barkeep backup pg --wait`; fails the test unless it exits 0. */
export async function takeBackup(archived: ArchivedCluster): Promise<void> {
  const backup = await archived.barkeep('backup', 'pg', '--wait', '--wait-timeout', '60');
  assert.equal(backup.code, 0, backup.stderr);
}

/** The newest backup of server pg, as `list-backup -f json` shows it (newest first). */
export async function newestBackup(archived: ArchivedCluster): Promise<{ backupId: string; endTime: string }> {
  const list = await archived.barkeep('-f', 'json', 'list-backup', 'pg');
  assert.equal(list.code, 0, list.stderr);
  const newest = (JSON.parse(list.stdout) as { backupId: string; endTime: string }[])[0];
  assert.ok(newest, 'server pg has a backup');
  return newest;
}

/**
 * Closes the current WAL segment, waits until archive_command has delivered it
 * (and so every earlier one) to incoming/, and archives incoming/ with `archive-wal`.
 */
export async function archiveWrittenWal(archived: ArchivedCluster): Promise<void> {
  const { cluster } = archived;
  const lastWal = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  for (let waited = 0; (await cluster.psql("select coalesce(last_archived_wal, '') from pg_stat_archiver")) < lastWal; waited += 200) {
    if (waited > 30_000) assert.fail(`wal ${lastWal} was not archived within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const archivedWal = await archived.barkeep('archive-wal', 'pg');
  assert.equal(archivedWal.code, 0, archivedWal.stdout + archivedWal.stderr);
}
