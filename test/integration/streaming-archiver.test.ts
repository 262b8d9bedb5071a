// The streaming archiver on a real PostgreSQL under pgbench, beside pg_receivewal
// on its own slot: (a) a run with a cut connection, (b) kill -9 mid-stream and a
// restart; each archive holds every segment of the common range once (files and
// catalog rows), byte-identical to pg_receivewal's. (c) A standby is promoted:
// the archiver follows it onto timeline 2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { isRoot, runAsClusterOwner, startCluster, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { readArchivedWal } from '../../src-main/engine/wal/archive-store';
import { formatSegmentName, parseLsn, segmentNumberOf } from '../../src-main/engine/wal/lsn';
import { splitCompressionSuffix } from '../../src-main/engine/wal/segment-name';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { freePort } from '../support/free-port';
import { runBarkeep } from '../support/run-cli';
import { makeTempDir, registerExitCleanup, removeTempDir } from '../support/temp-dir';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const segmentPattern = /^[0-9A-F]{24}$/;

interface Home {
  dir: string;
  configFile: string;
  walsDirectory: string;
  streamingDirectory: string;
  slot: string;
}

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
let cluster: TestCluster;
let homeA: Home;
let homeB: Home;
let receivewalDir: string;
let lastSegment: string;
const runs: Record<string, Child[]> = { a: [], b: [] };

before(async () => {
  cluster = await startTestCluster({
    pgbenchScale: 5,
    // archive_mode off: only the slots hold WAL, as they must.
    settings: { archive_mode: 'off', max_wal_size: '64MB', min_wal_size: '32MB', checkpoint_timeout: '30s' },
  });
  cleanups.push(() => cluster.stop());
  cleanups.push(() => cluster.psql('select pg_drop_replication_slot(slot_name) from pg_replication_slots').then(() => undefined, () => undefined));
  homeA = await makeHome('barkeep_a', 'zstd');
  homeB = await makeHome('barkeep_b', 'gzip');
  receivewalDir = await makeTempDir('pg-receivewal');
  cleanups.push(() => removeTempDir(receivewalDir));

  const connection = ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-w'];
  const created = await runAsClusterOwner(path.join(cluster.binDir, 'pg_receivewal'), ['--create-slot', '-S', 'pg_receivewal', ...connection]);
  assert.equal(created.code, 0, created.stderr);
  const receivewal = startChild(path.join(cluster.binDir, 'pg_receivewal'), ['-D', receivewalDir, '-S', 'pg_receivewal', '--no-loop', ...connection]);

  runs.a!.push(startReceiveWal(homeA));
  runs.b!.push(startReceiveWal(homeB));
  await waitFor('both receive-wal slots to stream', async () => (await cluster.psql(
    "select count(*) from pg_replication_slots where active and slot_name in ('barkeep_a', 'barkeep_b', 'pg_receivewal')")) === '3');

  const refused = await runBarkeep(['-c', homeA.configFile, 'receive-wal', '--reset', 'pg']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^ERROR: receive-wal for server 'pg' is running \(pid \d+\)\nHINT: stop it first with `barkeep receive-wal --stop pg`/);
  const pgbench = runAsClusterOwner(path.join(cluster.binDir, 'pgbench'), ['-n', '-T', '30', '-c', '2', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres']);
  await delay(9_000);
  runs.b![0]!.process.kill('SIGKILL');
  await runs.b![0]!.exited;
  await delay(2_000);
  runs.b!.push(startReceiveWal(homeB));
  await delay(7_000);
  const cut = await cluster.psql("select count(pg_terminate_backend(pid)) from pg_stat_replication where application_name = 'barkeep_a'");
  assert.equal(cut, '1', 'the connection of receive-wal A was cut');
  const bench = await pgbench;
  assert.equal(bench.code, 0, bench.stderr);

  lastSegment = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
  await waitFor(`segment ${lastSegment} in all three archives`, async () =>
    readArchivedWal(homeA.walsDirectory, lastSegment) !== null && readArchivedWal(homeB.walsDirectory, lastSegment) !== null
    && existsSync(path.join(receivewalDir, lastSegment)), 30_000);

  const stopped = await runBarkeep(['-c', homeA.configFile, 'receive-wal', '--stop', 'pg']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /receive-wal for server 'pg' \(pid \d+\) stopped/);
  runs.b![1]!.process.kill('SIGTERM');
  receivewal.process.kill('SIGINT');
  await Promise.all([runs.a![0]!.exited, runs.b![1]!.exited, receivewal.exited]);
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('(a) under pgbench load, with a cut connection, the archive matches pg_receivewal segment for segment', async (t) => {
  const run = runs.a![0]!;
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.output());
  assert.match(run.output(), /replication connection to server 'pg' failed: .*; reconnecting in 1 s \(attempt 1\)/);
  const compared = compareWithReceivewal(homeA, '.zst');
  assert.ok(compared >= 3, `only ${compared} segments in common`);
  t.diagnostic(`${compared} segments compared, up to ${lastSegment}`);

  const exists = await runBarkeep(['-c', homeA.configFile, 'receive-wal', '--create-slot', 'pg']);
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /^ERROR: replication slot 'barkeep_a' already exists on server 'pg'\n/);
  const dropped = await runBarkeep(['-c', homeA.configFile, 'receive-wal', '--drop-slot', 'pg']);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.equal(dropped.stdout, "replication slot 'barkeep_a' dropped on server 'pg'\n");
  const reset = await runBarkeep(['-c', homeA.configFile, 'receive-wal', '--reset', 'pg']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /^receive-wal state of server 'pg' reset(: removed 0000000100000000000000\w\w\.partial)?; the next start follows the slot\n$/);
});

test('(b) after kill -9 mid-stream and a restart: no gap, no duplicate, byte-identical', async (t) => {
  const [killed, restarted] = runs.b as [Child, Child];
  assert.equal((await killed.exited).signal, 'SIGKILL');
  assert.deepEqual(await restarted.exited, { code: 0, signal: null }, restarted.output());
  assert.match(restarted.output(), /streaming server 'pg' from \S+ on timeline 1, resuming the partial segment in the streaming folder/);
  const compared = compareWithReceivewal(homeB, '.gz');
  assert.ok(compared >= 3, `only ${compared} segments in common`);
  t.diagnostic(`${compared} segments compared, up to ${lastSegment}`);
});

test('(c) streaming from a standby that is promoted follows it onto timeline 2', async (t) => {
  const standby = await startStandby();
  const home = await makeHome('barkeep_c', 'none', standby.conninfo);
  await cluster.psql('create table timeline_test as select g from generate_series(1, 100000) g');
  const primaryLsn = await cluster.psql('select pg_current_wal_lsn()');
  await waitFor('the standby to replay the primary', async () => (await standby.psql(`select pg_last_wal_replay_lsn() >= '${primaryLsn}'`)) === 't');
  const run = startReceiveWal(home);
  await waitFor('receive-wal C to stream', async () => (await standby.psql("select count(*) from pg_replication_slots where active and slot_name = 'barkeep_c'")) === '1');

  await standby.psql('select pg_promote()');
  await standby.psql('create table after_promotion as select g from generate_series(1, 100000) g');
  const last = await standby.psql('select pg_walfile_name(pg_switch_wal())');
  assert.match(last, /^00000002/);
  await waitFor(`segment ${last} in archive C`, () => readArchivedWal(home.walsDirectory, last) !== null, 30_000);
  const stopped = await runBarkeep(['-c', home.configFile, 'receive-wal', '--stop', 'pg']);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.output());

  const output = run.output();
  assert.match(output, /timeline 1 ended at \S+; its last, partial segment is kept in '.*\/errors\/000000010000000000000\w{3}\.partial'/);
  assert.match(output, /continuing on timeline 2 from /);
  const history = readArchivedWal(home.walsDirectory, '00000002.history')?.toString() ?? '';
  const switchLsn = /^1\t(\S+)\t/.exec(history)?.[1];
  assert.ok(switchLsn, `the history file of timeline 2 is archived: ${history}`);
  const switchSegment = formatSegmentName(2, segmentNumberOf(parseLsn(switchLsn), 16 * 1024 * 1024), 16 * 1024 * 1024);
  // Timeline 1 up to the segment before the switch, timeline 2 from the switch segment on: no gap.
  const segments = listArchivedSegments(home);
  const numbers = segments.map((name) => parseInt(name.slice(8, 16), 16) * 256 + parseInt(name.slice(16), 16));
  numbers.forEach((number, index) => index > 0 && assert.equal(number, numbers[index - 1]! + 1, `gap before ${segments[index]}`));
  assert.equal(segments.find((name) => name.startsWith('00000002')), switchSegment, 'timeline 2 is archived from the segment holding the switch');
  assert.ok(segments[0]!.startsWith('00000001'), 'timeline 1 before it');
  for (const name of segments.filter((segment) => segment.startsWith('00000002'))) {
    const onServer = path.join(standby.dataDir, 'pg_wal', name);
    if (existsSync(onServer)) assert.ok(readArchivedWal(home.walsDirectory, name)?.equals(readFileSync(onServer)), `${name} differs from the server's`);
  }
  t.diagnostic(`archived ${segments[0]} … ${segments.at(-1)}; switch in ${switchSegment}`);
});

function listArchivedSegments(home: Home): string[] {
  return readdirSync(home.walsDirectory).filter((name) => /^[0-9A-F]{16}$/.test(name))
    .flatMap((folder) => readdirSync(path.join(home.walsDirectory, folder)).map((file) => splitCompressionSuffix(file).name))
    .filter((name) => segmentPattern.test(name)).sort();
}

/** A hot standby of the test cluster (pg_basebackup -R), on its own port; stopped and removed by the cleanups. */
async function startStandby(): Promise<{ dataDir: string; conninfo: string; psql(sql: string): Promise<string> }> {
  const dir = await makeTempDir('pg-standby', { owner: 'postgres' });
  const dataDir = path.join(dir, 'data');
  cleanups.push(() => removeTempDir(dir));
  const backup = await runAsClusterOwner(path.join(cluster.binDir, 'pg_basebackup'), [
    '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-w',
  ]);
  assert.equal(backup.code, 0, backup.stderr);
  const port = await freePort();
  writeFileSync(path.join(dataDir, 'postgresql.conf'), `${readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8')}\nport = ${port}\n`);
  const unregister = registerExitCleanup(() => {
    const pgCtl = [path.join(cluster.binDir, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate', '-w'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { cwd: '/', stdio: 'ignore', timeout: 30_000 });
    else spawnSync(pgCtl[0]!, pgCtl.slice(1), { stdio: 'ignore', timeout: 30_000 });
  });
  await startCluster(dataDir, cluster.binDir, path.join(dir, 'postgresql.log'));
  cleanups.push(async () => {
    await stopCluster(dataDir, cluster.binDir, 'immediate').catch(() => undefined);
    unregister();
  });
  const psql = async (sql: string): Promise<string> => {
    const result = await runAsClusterOwner(path.join(cluster.binDir, 'psql'), ['-X', '-Atq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql]);
    if (result.code !== 0) throw new Error(`psql on the standby failed (${sql}): ${result.stderr.trim()}`);
    return result.stdout.replace(/\n$/, '');
  };
  return { dataDir, conninfo: `host=127.0.0.1 port=${port} user=postgres dbname=postgres`, psql };
}

/** Asserts the archive is gapless, once-only and identical to pg_receivewal on the common range; returns how many segments were compared. */
function compareWithReceivewal(home: Home, suffix: string): number {
  const files = new Map<string, string[]>();
  for (const folder of readdirSync(home.walsDirectory).filter((name) => /^[0-9A-F]{16}$/.test(name))) {
    for (const file of readdirSync(path.join(home.walsDirectory, folder))) {
      const { name } = splitCompressionSuffix(file);
      if (!segmentPattern.test(name)) continue;
      assert.equal(file, `${name}${suffix}`, 'segments are stored compressed as configured');
      files.set(name, [...(files.get(name) ?? []), file]);
    }
  }
  for (const [name, copies] of files) assert.equal(copies.length, 1, `${name} is stored ${copies.length} times`);
  const archived = [...files.keys()].sort();
  const catalog = Catalog.open(path.join(home.dir, 'catalog.db'));
  try {
    const rows = catalog.db.prepare("select name from wal_segments where server = 'pg' order by name").all() as Array<{ name: string }>;
    assert.deepEqual(rows.map((row) => row.name), archived, 'one catalog row per archived segment');
  } finally {
    catalog.close();
  }
  const numbers = archived.map((name) => parseInt(name.slice(8, 16), 16) * 256 + parseInt(name.slice(16), 16));
  numbers.forEach((number, index) => index > 0 && assert.equal(number, numbers[index - 1]! + 1, `gap before ${archived[index]}`));
  assert.equal(archived.at(-1), lastSegment);
  assert.deepEqual(readdirSync(home.streamingDirectory).filter((name) => segmentPattern.test(name)), [], 'no complete segment is left in streaming/');

  const reference = readdirSync(receivewalDir).filter((name) => segmentPattern.test(name)).sort();
  const common = archived.filter((name) => reference.includes(name));
  assert.deepEqual(common, reference.filter((name) => name >= archived[0]! && name <= lastSegment), 'every reference segment of the range is archived');
  for (const name of common) {
    const ours = readArchivedWal(home.walsDirectory, name);
    assert.ok(ours?.equals(readFileSync(path.join(receivewalDir, name))), `${name} differs from pg_receivewal's`);
  }
  return common.length;
}

async function makeHome(slot: string, compression: string, conninfo = cluster.conninfo): Promise<Home> {
  const dir = await makeTempDir(`receive-wal-${slot}`);
  cleanups.push(() => removeTempDir(dir));
  mkdirSync(path.join(dir, 'conf.d'));
  const configFile = path.join(dir, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${dir}\nconfiguration_files_directory = conf.d\n`);
  writeFileSync(path.join(dir, 'conf.d', 'pg.conf'), [
    '[pg]', `conninfo = ${conninfo}`, 'backup_method = postgres', 'streaming_archiver = on',
    `slot_name = ${slot}`, 'create_slot = auto', `streaming_archiver_name = ${slot}`, `compression = ${compression}`, '',
  ].join('\n'));
  return { dir, configFile, walsDirectory: path.join(dir, 'pg', 'wals'), streamingDirectory: path.join(dir, 'pg', 'streaming'), slot };
}

function startReceiveWal(home: Home): Child {
  return startChild(process.execPath, [path.join(root, 'bin', 'barkeep.js'), '-c', home.configFile, 'receive-wal', 'pg']);
}

function startChild(file: string, args: string[]): Child {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
  const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const unregister = registerExitCleanup(() => child.kill('SIGKILL'));
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      unregister();
      resolve({ code, signal });
    });
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { process: child, output: () => Buffer.concat(chunks).toString('utf8'), exited };
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(200);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
