import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupRequirements, renderGrants } from './postgres-checks';

test('backup privileges follow the server version: pg_backup_start and pg_checkpoint from 15', () => {
  assert.deepEqual(backupRequirements(150004).map((requirement) => requirement.label), [
    'pg_read_all_settings', 'pg_read_all_stats', 'pg_checkpoint',
    'execute on pg_backup_start(text, boolean)', 'execute on pg_backup_stop(boolean)',
    'execute on pg_switch_wal()', 'execute on pg_create_restore_point(text)',
  ]);
  const old = backupRequirements(140010).map((requirement) => requirement.label);
  assert.ok(old.includes('execute on pg_start_backup(text, boolean, boolean)'));
  assert.ok(!old.includes('pg_checkpoint'));
});

test('the hint grants exactly what is missing, quoting the role when needed', () => {
  const [settings, , , start] = backupRequirements(150004);
  assert.equal(renderGrants([settings!, start!], 'barkeep'),
    'GRANT pg_read_all_settings TO barkeep; GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO barkeep;');
  assert.equal(renderGrants([settings!], 'Backup User'), 'GRANT pg_read_all_settings TO "Backup User";');
});
