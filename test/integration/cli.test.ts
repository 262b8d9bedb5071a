// The `barkeep` command line as a user runs it: help and exit codes, config
// errors that name file:line:option, a real Barman configuration, the catalog
// rebuild, and `demo` creating a real sandbox cluster on a fresh home and running
// the full cycle on it (backup, markers, point-in-time drill, MATCH).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src-main/engine/config/load';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import { isClusterRunning, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { runBarkeep } from '../support/run-cli';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function tempHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-cli-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

test('--help lists the verbs and exits 0; a verb has its own help', async () => {
  const help = await runBarkeep(['--help']);
  assert.equal(help.code, 0);
  for (const verb of ['list-servers', 'show-servers', 'diagnose', 'rebuild-catalog', 'serve', 'demo']) assert.match(help.stdout, new RegExp(`\\n  ${verb} `));
  const verbHelp = await runBarkeep(['serve', '--help']);
  assert.equal(verbHelp.code, 0);
  assert.match(verbHelp.stdout, /^usage: barkeep serve \[--port N\]/);
});

test('usage mistakes exit 2 with a message and a hint', async () => {
  const unknown = await runBarkeep(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr, "ERROR: unknown verb 'frobnicate'\nHINT: run `barkeep --help` for the list of verbs\n");
  const badOption = await runBarkeep(['list-servers', '--bogus']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /ERROR: list-servers: Unknown option '--bogus'/);
  const badFormat = await runBarkeep(['-f', 'yaml', 'list-servers']);
  assert.equal(badFormat.code, 2);
});

test('a bad value is reported as file:line: option and exits 1', async () => {
  const home = tempHome();
  mkdirSync(path.join(home, 'conf.d'));
  writeFileSync(path.join(home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  const serverFile = path.join(home, 'conf.d', 'main.conf');
  writeFileSync(serverFile, '[main]\nconninfo = host=db1 user=barkeep dbname=postgres\nparallel_jobs = many\n');
  const result = await runBarkeep(['-c', path.join(home, 'barkeep.conf'), 'list-servers']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^ERROR: ${serverFile.replace(/[.]/g, '\\.')}:3: option 'parallel_jobs': `));
});

test('an existing Barman configuration (barman.conf + barman.d) loads, with server > global > default', async () => {
  const home = tempHome();
  mkdirSync(path.join(home, 'barman.d'));
  const barmanConf = path.join(home, 'barman.conf');
  writeFileSync(barmanConf, [
    '; Barman global configuration, as Debian ships it',
    '[barman]',
    'barman_user = barman',
    `barman_home = ${home}/store`,
    'configuration_files_directory = %(barman_home)s/../barman.d',
    'log_file = /var/log/barman/barman.log',
    'log_level = INFO',
    'compression = gzip',
    'minimum_redundancy = 1',
    '',
  ].join('\n'));
  writeFileSync(path.join(home, 'barman.d', 'pg.conf'), [
    '[pg]',
    'description =  "Main PostgreSQL',
    '    (streaming only)"',
    'conninfo = host=pg.example.org user=barman dbname=postgres',
    'streaming_conninfo: host=pg.example.org user=streaming_barman',
    'backup_method = postgres',
    'streaming_archiver = on',
    'slot_name = barman',
    'create_slot = auto',
    'retention_policy = RECOVERY WINDOW OF 4 WEEKS',
    'minimum_redundancy = 2',
    '',
  ].join('\n'));
  const result = await runBarkeep(['-c', barmanConf, '-f', 'json', 'show-servers', 'pg']);
  assert.equal(result.code, 0, result.stderr);
  const [shown] = JSON.parse(result.stdout);
  assert.equal(shown.config.name, 'pg');
  assert.equal(shown.config.backupMethod, 'postgres');
  assert.equal(shown.config.compression, 'gzip', 'from [barman]');
  assert.equal(shown.config.minimumRedundancy, 2, 'the server wins over [barman]');
  assert.equal(shown.config.parallelJobs, 1, 'the default');
  assert.deepEqual(shown.config.retentionPolicy, { kind: 'recovery-window', amount: 4, unit: 'weeks' });
  assert.equal(shown.config.streamingArchiver, true);
  assert.equal(shown.config.backupDirectory, path.join(home, 'store', 'pg'));
  assert.equal(shown.summary.description, 'Main PostgreSQL\n(streaming only)');

  const listed = await runBarkeep(['-c', barmanConf, '-f', 'json', 'list-servers']);
  assert.deepEqual(JSON.parse(listed.stdout).map((server: { name: string }) => server.name), ['pg']);

  const rebuilt = await runBarkeep(['-c', barmanConf, '-f', 'json', 'rebuild-catalog']);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.deepEqual(JSON.parse(rebuilt.stdout), { servers: 1, backups: 0, walSegments: 0, timelines: 0, restorePoints: 0, problems: [], movedAside: null });
});

test('demo on a fresh home creates the sandbox, backs it up and proves a point-in-time drill matches', { timeout: 240_000 }, async () => {
  const home = tempHome();
  chmodSync(home, 0o711);
  cleanups.push(async () => {
    const server = loadConfig(path.join(home, 'barkeep.conf')).servers.find((candidate) => candidate.name === 'sandbox');
    if (!server?.sandboxDataDirectory) return;
    const binDir = findPostgresBinDir(server.pgBinDir);
    if (await isClusterRunning(server.sandboxDataDirectory, binDir)) await stopCluster(server.sandboxDataDirectory, binDir, 'immediate');
    rmSync(path.dirname(server.sandboxDataDirectory), { recursive: true, force: true });
  });
  const result = await runBarkeep(['demo'], { BARKEEP_HOME: home });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /^Sandbox server 'sandbox' is created and running:/);
  const version = /postgresql version:\s+(\S+)/.exec(result.stdout)?.[1];
  const systemId = /system identifier:\s+(\d+)/.exec(result.stdout)?.[1];
  const dataDir = /data directory:\s+(\S+)/.exec(result.stdout)?.[1];
  assert.match(version ?? '', /^1[3-9]\.\d+$/);
  assert.ok(dataDir);
  const control = execFileSync(path.join(findPostgresBinDir(), 'pg_controldata'), [dataDir], { encoding: 'utf8' });
  assert.equal(systemId, /Database system identifier:\s+(\d+)/.exec(control)?.[1], 'the system identifier pg_controldata reads');
  // one line per step of the cycle
  assert.match(result.stdout, /\n {2}1\. wal archiving: streaming archiver started in this process/);
  assert.match(result.stdout, /\n {2}2\. backup \d{8}T\d{6}: DONE,/);
  const targetTime = /drill target: time (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\+00) \(after marker 3\)/.exec(result.stdout)?.[1];
  assert.ok(targetTime, result.stdout);
  assert.match(result.stdout, /\n {2}3\. wrote 6 markers into barkeep_demo across 6 wal segments/);
  assert.match(result.stdout, /\n {2}4\. switched wal: last segment [0-9A-F]{24} is archived/);
  assert.match(result.stdout, new RegExp(`\\n {2}5\\. drill to time ${targetTime.slice(0, 19)}\\S*: passed in`));
  assert.match(result.stdout, /\n {2}6\. restored 3 rows: marker-1,marker-2,marker-3; expected markers 1-3: marker-1,marker-2,marker-3 => MATCH\n/);

  const again = await runBarkeep(['demo', '-f', 'json'], { BARKEEP_HOME: home });
  assert.equal(again.code, 0, again.stderr + again.stdout);
  const report = JSON.parse(again.stdout);
  assert.equal(report.created, false, 'a second demo reuses the sandbox');
  assert.equal(report.systemId, systemId);
  assert.equal(report.match, true);
  assert.deepEqual(report.cycle.verdict, {
    expected: ['marker-1', 'marker-2', 'marker-3'], restored: ['marker-1', 'marker-2', 'marker-3'], restoredCount: 3, match: true,
  });
  assert.equal(report.cycle.archiver.mode, 'in-process');
  assert.equal(report.cycle.backup.status, 'DONE');
  assert.equal(report.cycle.drill.ok, true);
  assert.equal(report.cycle.drill.backupId, report.cycle.backup.backupId, 'the drill restores the backup the demo took');
  assert.equal(report.cycle.writes.markers.length, 6);
});
