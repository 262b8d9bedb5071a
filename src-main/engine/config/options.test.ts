import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionValueError } from './option-values';
import { canonicalOptionName, fitsSection, normaliseRawValue, optionSchema, parseOptionValue, type OptionName } from './options';

const context = { baseDir: '/var/lib/barkeep', userHome: '/home/dba' };
const parse = (name: OptionName, raw: string) => parseOptionValue(name, raw, context);

function assertRefused(name: OptionName, raw: string, message: string, hint?: RegExp): void {
  assert.throws(() => parse(name, raw), (error: unknown) => {
    assert.ok(error instanceof OptionValueError);
    assert.equal(error.message, message);
    if (hint) assert.match(error.hint ?? '', hint);
    return true;
  });
}

test('booleans follow configparser getboolean', () => {
  for (const word of ['1', 'yes', 'TRUE', 'On']) assert.equal(parse('streaming_archiver', word), true);
  for (const word of ['0', 'No', 'false', 'OFF']) assert.equal(parse('streaming_archiver', word), false);
  assertRefused('active', 'enabled', "'enabled' is not a boolean");
});

test('retention policies parse into tagged objects, any case', () => {
  assert.deepEqual(parse('retention_policy', 'REDUNDANCY 3'), { kind: 'redundancy', copies: 3 });
  assert.deepEqual(parse('retention_policy', 'recovery window of 4 weeks'), { kind: 'recovery-window', amount: 4, unit: 'weeks' });
  assert.deepEqual(parse('retention_policy', 'RECOVERY  WINDOW OF 1 MONTH'), { kind: 'recovery-window', amount: 1, unit: 'months' });
  assert.deepEqual(parse('retention_policy', 'Recovery Window Of 30 Days'), { kind: 'recovery-window', amount: 30, unit: 'days' });
  assertRefused('retention_policy', 'KEEP 3', "'KEEP 3' is not a retention policy", /REDUNDANCY <copies>/);
  assertRefused('retention_policy', 'REDUNDANCY 0', "'REDUNDANCY 0' keeps no backup");
  assertRefused('retention_policy', 'RECOVERY WINDOW OF 2 HOURS', "'RECOVERY WINDOW OF 2 HOURS' is not a retention policy");
});

test('compression is none, gzip or zstd; Barman\'s other algorithms are refused with a hint', () => {
  assert.equal(parse('compression', 'GZIP'), 'gzip');
  assert.equal(parse('compression', 'zstd'), 'zstd');
  assert.equal(parse('compression', 'none'), 'none');
  for (const barmanOnly of ['bzip2', 'pigz', 'lz4', 'xz', 'custom']) {
    assertRefused('compression', barmanOnly, `'${barmanOnly}' is not supported by barkeep`, /gzip or zstd/);
  }
  assertRefused('compression', 'brotli', "'brotli' is not one of none, gzip, zstd");
});

test('backup_method is rsync or postgres; local-rsync and snapshot are refused with a hint', () => {
  assert.equal(parse('backup_method', 'Postgres'), 'postgres');
  assertRefused('backup_method', 'local-rsync', "'local-rsync' is not supported by barkeep", /rsync or postgres/);
  assertRefused('backup_method', 'snapshot', "'snapshot' is not supported by barkeep", /snapshots/);
});

test('numbers, intervals and sizes', () => {
  assert.equal(parse('parallel_jobs', ' 4 '), 4);
  assertRefused('parallel_jobs', '0', '0 is less than 1', /at least 1/);
  assertRefused('minimum_redundancy', 'two', "'two' is not a whole number");
  assert.deepEqual(parse('last_backup_maximum_age', '1 WEEK'), { amount: 1, unit: 'weeks' });
  assert.deepEqual(parse('last_backup_maximum_age', '2 days'), { amount: 2, unit: 'days' });
  assert.deepEqual(parse('last_wal_maximum_age', '6 hours'), { amount: 6, unit: 'hours' });
  assertRefused('last_backup_maximum_age', '1 fortnight', "'1 fortnight' is not a time interval");
  assert.equal(parse('last_backup_minimum_size', '1 Gi'), 1024 ** 3);
  assert.equal(parse('last_backup_minimum_size', '10M'), 10_000_000);
  assert.equal(parse('bandwidth_limit', '0'), null);
  assert.equal(parse('bandwidth_limit', '4000'), 4000);
  assert.equal(parse('disk_warning_free_percent', '25'), 25);
  assertRefused('disk_warning_free_percent', '120', "'120' is not a percentage");
});

test('lists, slots and paths', () => {
  assert.deepEqual(parse('backup_options', 'concurrent_backup, external_configuration'), ['concurrent_backup', 'external_configuration']);
  assertRefused('backup_options', 'exclusive_backup', "'exclusive_backup' is not supported by barkeep", /concurrent/);
  assert.deepEqual(parse('recovery_options', 'get-wal'), ['get-wal']);
  assert.equal(parse('slot_name', 'Barman'), 'barman');
  assertRefused('slot_name', 'my-slot', "'my-slot' is not a replication slot name");
  assert.equal(parse('backup_directory', '~/backups/pg'), '/home/dba/backups/pg');
  assert.equal(parse('backup_directory', 'pg'), '/var/lib/barkeep/pg');
});

test('none, empty and quotes follow Barman: none and empty mean the default', () => {
  assert.equal(normaliseRawValue('None'), '');
  assert.equal(normaliseRawValue('"host=pg user=barman"'), 'host=pg user=barman');
  assert.equal(normaliseRawValue('\'it\'s\''), 'it\'s');
  assert.equal(normaliseRawValue('"unbalanced'), '"unbalanced');
  assert.equal(parse('retention_policy', 'none'), null);
  assert.equal(parse('parallel_jobs', ''), 1);
  assert.equal(parse('description', '"Main PostgreSQL"'), 'Main PostgreSQL');
});

test('scopes and aliases', () => {
  assert.equal(canonicalOptionName('barman_home'), 'barkeep_home');
  assert.equal(canonicalOptionName('BARMAN_LOCK_DIRECTORY'), 'lock_directory');
  assert.equal(canonicalOptionName('tablespace_bandwidth_limit'), null);
  assert.equal(fitsSection('compression', 'global'), true);
  assert.equal(fitsSection('conninfo', 'global'), false);
  assert.equal(fitsSection('log_level', 'server'), false);
  assert.equal(fitsSection('pre_backup_script', 'server'), true);
  assert.equal(optionSchema.sandbox_data_directory.extension, true);
  assert.equal(optionSchema.disk_warning_free_percent.default, 20);
  assert.equal(optionSchema.disk_critical_free_percent.default, 10);
});
