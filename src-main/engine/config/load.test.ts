import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';
import { loadConfig } from './load';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function tempFolder(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'barkeep-config-'));
  folders.push(folder);
  return folder;
}

function write(file: string, lines: string[]): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function assertEngineError(run: () => unknown, code: string, message: string | RegExp): EngineError {
  let caught: EngineError | undefined;
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    caught = error;
    return true;
  });
  return caught!;
}

/** A Barman installation as the Debian package lays it out. */
function writeBarmanLayout(root: string): string {
  const barmanD = path.join(root, 'barman.d');
  write(path.join(barmanD, 'pg.conf'), [
    '[pg]',
    'description =  "Main PostgreSQL server',
    '    (streaming backups)"',
    'conninfo = host=pg.example.com user=barman dbname=postgres',
    'streaming_conninfo = host=pg.example.com user=streaming_barman',
    'backup_method = postgres',
    'streaming_archiver = on',
    'slot_name = barman',
    'retention_policy = RECOVERY WINDOW OF 4 WEEKS',
    'path_prefix = "/usr/lib/postgresql/16/bin"',
  ]);
  write(path.join(barmanD, 'ssh-pg.conf'), [
    '; an rsync server that inherits compression from [barman]',
    '[ssh-pg]',
    'conninfo = host=ssh-pg user=barman dbname=postgres',
    'ssh_command = ssh postgres@ssh-pg',
    'reuse_backup = link',
    'archiver = on',
    'backup_directory = /srv/barman/%(name)s',
  ]);
  write(path.join(barmanD, 'README'), ['not a configuration file']);
  write(path.join(barmanD, '.hidden.conf'), ['[hidden]', 'conninfo = x']);
  return write(path.join(root, 'barman.conf'), [
    '; Barman, Backup and Recovery Manager for PostgreSQL',
    '[barman]',
    'barman_user = barman',
    `configuration_files_directory = ${barmanD}`,
    'barman_home = /var/lib/barman',
    'log_file = /var/log/barman/barman.log',
    'log_level = WARNING',
    'compression = gzip',
    'parallel_jobs = 2',
  ]);
}

test('loads a Barman layout: [barman] plus barman.d, with server > global > default', () => {
  const root = tempFolder();
  const config = loadConfig(writeBarmanLayout(root));

  assert.equal(config.flavour, 'barman');
  assert.equal(config.configFile, path.join(root, 'barman.conf'));
  assert.deepEqual(config.global, {
    home: '/var/lib/barman',
    configurationFilesDirectory: path.join(root, 'barman.d'),
    lockDirectory: '/var/lib/barman',
    logFile: '/var/log/barman/barman.log',
    logLevel: 'WARNING',
    diskWarningFreePercent: 20,
    diskCriticalFreePercent: 10,
    diskForecastWarningDays: 7,
    pgBinDir: null,
  });
  assert.deepEqual(config.warnings, []);
  assert.deepEqual(config.servers.map((server) => server.name), ['pg', 'ssh-pg']);

  const [pg, sshPg] = config.servers;
  assert.ok(pg && sshPg);
  assert.equal(pg.file, path.join(root, 'barman.d', 'pg.conf'));
  assert.equal(pg.line, 1);
  assert.equal(pg.description, 'Main PostgreSQL server\n(streaming backups)');
  assert.equal(pg.conninfo, 'host=pg.example.com user=barman dbname=postgres');
  assert.equal(pg.streamingConninfo, 'host=pg.example.com user=streaming_barman');
  assert.equal(pg.backupMethod, 'postgres');
  assert.equal(pg.streamingArchiver, true);
  assert.equal(pg.archiver, false);
  assert.equal(pg.slotName, 'barman');
  assert.deepEqual(pg.retentionPolicy, { kind: 'recovery-window', amount: 4, unit: 'weeks' });
  assert.equal(pg.pathPrefix, '/usr/lib/postgresql/16/bin');
  assert.equal(pg.compression, 'gzip', 'inherited from [barman]');
  assert.equal(pg.parallelJobs, 2, 'inherited from [barman]');
  assert.equal(pg.minimumRedundancy, 0, 'schema default');
  assert.equal(pg.createSlot, 'manual');
  assert.equal(pg.active, true);
  assert.equal(pg.backupDirectory, '/var/lib/barman/pg');
  assert.equal(pg.walsDirectory, '/var/lib/barman/pg/wals');
  assert.equal(pg.streamingWalsDirectory, '/var/lib/barman/pg/streaming');
  assert.equal(pg.incomingWalsDirectory, '/var/lib/barman/pg/incoming');
  assert.equal(pg.errorsDirectory, '/var/lib/barman/pg/errors');

  assert.equal(sshPg.backupMethod, 'rsync');
  assert.equal(sshPg.reuseBackup, 'link');
  assert.equal(sshPg.archiver, true);
  assert.equal(sshPg.sshCommand, 'ssh postgres@ssh-pg');
  assert.equal(sshPg.streamingConninfo, null);
  assert.equal(sshPg.retentionPolicy, null);
  assert.equal(sshPg.description, '');
  assert.equal(sshPg.backupDirectory, '/srv/barman/ssh-pg', '%(name)s is the server name, as in Barman');
  assert.equal(sshPg.walsDirectory, '/srv/barman/ssh-pg/wals');
});

test('a Barkeep home: [barkeep] with a relative conf.d, servers in the main file too, DEFAULT across files', () => {
  const root = tempFolder();
  write(path.join(root, 'conf.d', 'b.conf'), ['[b]', 'conninfo = host=%(pghost)s', 'compression = none', 'retention_policy =']);
  const main = write(path.join(root, 'barkeep.conf'), [
    '[DEFAULT]',
    'pghost = db.internal',
    '[barkeep]',
    'barkeep_home = ~/barkeep-test-home',
    'configuration_files_directory = conf.d',
    'compression = zstd',
    'retention_policy = REDUNDANCY 2',
    'disk_warning_free_percent = 30',
    '[a]',
    'conninfo = host=%(pghost)s port=5433',
    'backup_directory = store/a',
    'sandbox_data_directory = /tmp/sandbox/data',
  ]);
  const config = loadConfig(main);
  assert.equal(config.flavour, 'barkeep');
  assert.equal(config.global.home, path.join(os.homedir(), 'barkeep-test-home'));
  assert.equal(config.global.configurationFilesDirectory, path.join(root, 'conf.d'));
  assert.equal(config.global.diskWarningFreePercent, 30);
  assert.deepEqual(config.warnings, []);
  const [a, b] = config.servers;
  assert.equal(a?.file, main);
  assert.equal(a?.line, 9);
  assert.equal(a?.conninfo, 'host=db.internal port=5433');
  assert.equal(a?.backupDirectory, path.join(config.global.home, 'store/a'), 'relative server paths are under home');
  assert.equal(a?.sandboxDataDirectory, '/tmp/sandbox/data');
  assert.equal(a?.compression, 'zstd');
  assert.deepEqual(a?.retentionPolicy, { kind: 'redundancy', copies: 2 });
  assert.equal(b?.conninfo, 'host=db.internal');
  assert.equal(b?.compression, 'none', 'the server overrides the global default');
  assert.equal(b?.retentionPolicy, null, 'an empty value bypasses the global one, as in Barman');
});

test('an invalid value names file, line and option', () => {
  const root = tempFolder();
  write(path.join(root, 'conf.d', 'pg.conf'), ['[pg]', 'conninfo = host=pg', '', 'compression = bzip2']);
  const main = write(path.join(root, 'barkeep.conf'), ['[barkeep]', 'configuration_files_directory = conf.d']);
  const error = assertEngineError(() => loadConfig(main), 'config-invalid',
    `${path.join(root, 'conf.d', 'pg.conf')}:4: option 'compression': 'bzip2' is not supported by barkeep`);
  assert.equal(error.hint, 'Barkeep compresses WAL with gzip or zstd only; set compression = gzip or zstd (or none).');

  write(main, ['[barkeep]', 'parallel_jobs = 0']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${main}:2: option 'parallel_jobs': 0 is less than 1`);
  write(main, ['[barman]', 'barman_home = /var/lib/barman', 'backup_method = local-rsync']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${main}:3: option 'backup_method': 'local-rsync' is not supported by barkeep`);
});

test('unknown and misplaced options are warnings, not errors', () => {
  const root = tempFolder();
  const main = write(path.join(root, 'barkeep.conf'), [
    '[barkeep]',
    'log_format = %%(asctime)s %%(message)s',
    'conninfo = host=pg',
    '[pg]',
    'conninfo = host=pg',
    'frobnicate = yes',
    'log_level = DEBUG',
  ]);
  const config = loadConfig(main);
  assert.equal(config.servers.length, 1);
  assert.deepEqual(config.warnings, [
    { file: main, line: 2, option: 'log_format', message: 'barman option not supported by barkeep, ignored in [barkeep]' },
    { file: main, line: 3, option: 'conninfo', message: 'belongs in a server section, ignored in [barkeep]' },
    { file: main, line: 6, option: 'frobnicate', message: 'unknown option, ignored in [pg]' },
    { file: main, line: 7, option: 'log_level', message: 'belongs in the global section, ignored in [pg]' },
  ]);
});

test('a missing main file is config-missing with a hint', () => {
  const file = path.join(tempFolder(), 'nope', 'barkeep.conf');
  const error = assertEngineError(() => loadConfig(file), 'config-missing', `configuration file '${file}' does not exist`);
  assert.match(error.hint ?? '', /barkeep demo/);
  assert.match(error.hint ?? '', /-c/);
});

test('a server without conninfo, with a bad name, or defined twice is an error', () => {
  const root = tempFolder();
  const main = path.join(root, 'barkeep.conf');
  write(main, ['[barkeep]', '', '[pg]', 'description = no connection']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${main}:3: server 'pg' has no conninfo`);

  write(main, ['[barkeep]', '[pg main]', 'conninfo = host=pg']);
  assertEngineError(() => loadConfig(main), 'config-invalid', /:2: section \[pg main\] is not a valid server name/);

  write(main, ['[barkeep]', '[pg]', 'conninfo = host=pg']);
  const other = write(path.join(root, 'conf.d', 'pg.conf'), ['# the same server again', '[pg]', 'conninfo = host=pg2']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${other}:2: server 'pg' is defined twice, here and at ${main}:2`);
});

test('a global section outside the main file, or none at all, is an error', () => {
  const root = tempFolder();
  const main = write(path.join(root, 'barkeep.conf'), ['[barkeep]']);
  const stray = write(path.join(root, 'conf.d', 'extra.conf'), ['[barkeep]', 'log_level = DEBUG']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${stray}:1: section [barkeep] is only allowed in the main configuration file`);
  write(main, ['[pg]', 'conninfo = host=pg']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${main}: configuration file has no [barkeep] section`);
  write(main, ['[barman]', 'log_level = INFO']);
  assertEngineError(() => loadConfig(main), 'config-invalid', `${main}:1: section [barman] has no barman_home`);
});

test('a configured but missing configuration_files_directory is a warning', () => {
  const root = tempFolder();
  const main = write(path.join(root, 'barkeep.conf'), ['[barkeep]', 'configuration_files_directory = /nonexistent/barkeep.d']);
  const config = loadConfig(main);
  assert.equal(config.servers.length, 0);
  assert.equal(config.warnings.length, 1);
  assert.equal(config.warnings[0]?.line, 2);
  assert.match(config.warnings[0]?.message ?? '', /'\/nonexistent\/barkeep.d' is not a readable folder/);
});

test('two servers sharing a store folder are warned about', () => {
  const root = tempFolder();
  const main = write(path.join(root, 'barkeep.conf'), [
    '[barkeep]', '[a]', 'conninfo = host=a', '[b]', 'conninfo = host=b', `wals_directory = ${path.join(root, 'a', 'wals')}`,
  ]);
  const config = loadConfig(main);
  assert.deepEqual(config.warnings.map((warning) => [warning.line, warning.option, warning.message]), [
    [4, 'wals_directory', `server 'b' shares '${path.join(root, 'a', 'wals')}' with server 'a' (its wals_directory)`],
  ]);
});
