/**
 * Scenario "stream WAL": a fixed amount of WAL is generated while an anchor
 * slot holds it; before every run each contender gets a fresh copy of that slot
 * (same restart_lsn) and drains the same range to the same end LSN: Barkeep's
 * archiver in-process (none, zstd) and its `receive-wal --until` command against
 * `pg_receivewal --endpos`, with each contender's CPU time. Owns its cluster.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { loadConfig } from '../../src-main/engine/config/load';
import type { JobContext } from '../../src-main/engine/jobs/job-queue';
import { findArchivedWal } from '../../src-main/engine/wal/archive-store';
import { runWalReceiver } from '../../src-main/engine/wal/streaming/receiver';
import { floorToSegment, formatLsn, formatSegmentName, parseLsn, parseSizeSetting, segmentNumberOf } from '../../src-main/engine/wal/lsn';
import { startTestCluster } from '../../test/support/pg-cluster';
import type { TestCluster } from '../../test/support/pg-cluster';
import { makeTempDir, removeTempDir } from '../../test/support/temp-dir';
import { median } from '../report';
import { runCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';

export interface WalStreamingOptions {
  /** WAL to generate and stream per run, in MB (rounded up to whole segments). */
  walMegabytes: number;
}

interface Range {
  start: bigint;
  until: bigint;
  segmentSize: number;
  timeline: number;
}

interface Setup {
  cluster: TestCluster;
  workDir: string;
  range: Range;
  /** CPU seconds (user+sys) of each run, by contender name */
  cpu: Map<string, number[]>;
  startupSeconds: number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const anchorSlot = 'bench_anchor';
const serverName = 'bench';
// Runs a command, then prints the CPU time of its children (bash's `times`, second line) on stderr.
const cpuWrapper = ['-c', '"$@"; status=$?; times >&2; exit $status', 'bench-cpu'];

export function walStreamingScenario(opts: WalStreamingOptions): Scenario {
  return {
    name: 'wal-streaming',
    title: `stream ${opts.walMegabytes} MB of WAL from a replication slot`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: WalStreamingOptions): Promise<ScenarioFixture> {
  ctx.log('starting a PostgreSQL cluster');
  const cluster = await startTestCluster({
    // Only the slots hold WAL; a large max_wal_size keeps checkpoints (and their full-page images) out of the way.
    settings: { archive_mode: 'off', max_wal_size: '4GB', checkpoint_timeout: '30min', wal_compression: 'off' },
  });
  ctx.onTeardown(() => cluster.stop());
  ctx.onTeardown(() => cluster.psql('select pg_drop_replication_slot(slot_name) from pg_replication_slots').then(() => undefined));
  const workDir = await makeTempDir('bench-wal');
  ctx.onTeardown(() => removeTempDir(workDir));

  ctx.log(`generating ${opts.walMegabytes} MB of WAL behind slot '${anchorSlot}'`);
  const range = await generateWal(cluster, opts.walMegabytes);
  const setup: Setup = { cluster, workDir, range, cpu: new Map(), startupSeconds: await measureStartup() };
  ctx.log('warming up: one untimed drain, so the first timed run does not pay for a cold start');
  await drainOnce(setup);
  ctx.log(`streaming range ${formatLsn(range.start)} .. ${formatLsn(range.until)} (${Number(range.until - range.start) / 1e6} MB)`);

  const contenders = [
    receivewalContender(setup), inProcessContender(setup, 'none'), cliContender(setup, 'none'), inProcessContender(setup, 'zstd'),
  ];
  return {
    bytes: Number(range.until - range.start),
    contenders,
    reset: async () => {
      for (const slot of ['bench_receivewal', 'bench_barkeep_none', 'bench_cli_none', 'bench_barkeep_zstd']) {
        await cluster.psql(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '${slot}'`);
        await cluster.psql(`select pg_copy_physical_replication_slot('${anchorSlot}', '${slot}')`);
      }
      await rm(path.join(workDir, 'out'), { recursive: true, force: true });
      await mkdir(path.join(workDir, 'out'), { recursive: true });
      // Write back the previous run's files now, or later runs pay for them.
      await runCommand('sync', []);
    },
    describe: () => describeRun(setup, contenders),
  };
}

/** Creates the anchor slot, writes rows until enough WAL exists, switches, and returns the whole-segment range. */
async function generateWal(cluster: TestCluster, megabytes: number): Promise<Range> {
  const segmentSize = parseSizeSetting(await cluster.psql('show wal_segment_size'));
  await cluster.psql(`select pg_create_physical_replication_slot('${anchorSlot}', true)`);
  const start = floorToSegment(parseLsn(await cluster.psql(`select restart_lsn from pg_replication_slots where slot_name = '${anchorSlot}'`)), segmentSize);
  await cluster.psql('create table bench_wal (id bigint primary key, payload text)');
  let next = 0;
  while (parseLsn(await cluster.psql('select pg_current_wal_lsn()')) - start < BigInt(megabytes) * 1_000_000n) {
    // md5 text plus a repeated tail: compresses, but not as absurdly as pgbench's blank-padded rows.
    await cluster.psql(`insert into bench_wal select g, md5(g::text) || repeat(md5((g * 7)::text), 4) from generate_series(${next + 1}, ${next + 200_000}) g`);
    next += 200_000;
  }
  const switched = parseLsn(await cluster.psql('select pg_switch_wal()'));
  const until = floorToSegment(switched - 1n, segmentSize) + BigInt(segmentSize);
  const timeline = Number(await cluster.psql('select timeline_id from pg_control_checkpoint()'));
  return { start, until, segmentSize, timeline };
}

function receivewalContender(setup: Setup): Contender {
  const name = 'pg_receivewal --endpos';
  const dir = path.join(setup.workDir, 'out', 'pg_receivewal');
  return {
    name,
    role: 'reference',
    run: async () => {
      await mkdir(dir, { recursive: true });
      await runMeasured(setup, name, path.join(setup.cluster.binDir, 'pg_receivewal'), [
        '-D', dir, '-S', 'bench_receivewal', `--endpos=${formatLsn(setup.range.until)}`, '--no-loop',
        '-h', '127.0.0.1', '-p', String(setup.cluster.port), '-U', 'postgres', '-w',
      ]);
    },
    verify: async () => {
      const files = new Set(await readdir(dir));
      const missing = expectedSegments(setup.range).filter((segment) => !files.has(segment));
      if (missing.length > 0) throw new Error(`pg_receivewal is missing ${missing.length} segment(s), e.g. ${missing[0]}`);
    },
  };
}

/** The archiver as the app and the scheduler run it: runWalReceiver in this process, no process start-up. */
function inProcessContender(setup: Setup, compression: 'none' | 'zstd'): Contender {
  const name = `runWalReceiver in-process (${compression})`;
  const home = path.join(setup.workDir, 'out', `barkeep-${compression}`);
  return {
    name,
    role: 'barkeep',
    run: async () => {
      const configFile = await writeHome(setup, home, compression, `bench_barkeep_${compression}`);
      const server = loadConfig(configFile).servers[0]!;
      const catalog = Catalog.open(path.join(home, 'catalog.db'));
      const cpuBefore = process.cpuUsage();
      try {
        const ctx: JobContext = { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
        await runWalReceiver(server, catalog, ctx, { until: setup.range.until });
      } finally {
        const cpu = process.cpuUsage(cpuBefore);
        recordCpu(setup, name, (cpu.user + cpu.system) / 1e6);
        catalog.close();
      }
    },
    verify: () => verifyArchive(setup, home),
  };
}

/** `barkeep receive-wal --until` as a user runs it: includes starting Node and the engine (the built bundle, or the sources through tsx when one is newer: bin/barkeep.js). */
function cliContender(setup: Setup, compression: 'none' | 'zstd'): Contender {
  const name = `barkeep receive-wal --until (${compression})`;
  const home = path.join(setup.workDir, 'out', `cli-${compression}`);
  return {
    name,
    role: 'barkeep',
    run: async () => {
      const configFile = await writeHome(setup, home, compression, `bench_cli_${compression}`);
      await runMeasured(setup, name, process.execPath, [
        path.join(root, 'bin', 'barkeep.js'), '-q', '-c', configFile, 'receive-wal', '--until', formatLsn(setup.range.until), serverName,
      ]);
    },
    verify: () => verifyArchive(setup, home),
  };
}

async function verifyArchive(setup: Setup, home: string): Promise<void> {
  const walsDirectory = path.join(home, serverName, 'wals');
  const missing = expectedSegments(setup.range).filter((segment) => findArchivedWal(walsDirectory, segment) === null);
  if (missing.length > 0) throw new Error(`barkeep's archive '${walsDirectory}' is missing ${missing.length} segment(s), e.g. ${missing[0]}`);
}

async function writeHome(setup: Setup, home: string, compression: 'none' | 'zstd', slot: string): Promise<string> {
  await mkdir(path.join(home, 'conf.d'), { recursive: true });
  const configFile = path.join(home, 'barkeep.conf');
  await writeFile(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  await writeFile(path.join(home, 'conf.d', `${serverName}.conf`), [
    `[${serverName}]`, `conninfo = ${setup.cluster.conninfo}`, 'backup_method = postgres', 'streaming_archiver = on',
    `slot_name = ${slot}`, 'create_slot = manual', `compression = ${compression}`, '',
  ].join('\n'));
  return configFile;
}

/** An untimed pg_receivewal run over the whole range, from its own slot copy, then removed. */
async function drainOnce(setup: Setup): Promise<void> {
  const dir = path.join(setup.workDir, 'warm-up');
  await mkdir(dir, { recursive: true });
  await setup.cluster.psql(`select pg_copy_physical_replication_slot('${anchorSlot}', 'bench_warm_up')`);
  try {
    await runCommand(path.join(setup.cluster.binDir, 'pg_receivewal'), [
      '-D', dir, '-S', 'bench_warm_up', `--endpos=${formatLsn(setup.range.until)}`, '--no-loop', '--no-sync',
      '-h', '127.0.0.1', '-p', String(setup.cluster.port), '-U', 'postgres', '-w',
    ]);
  } finally {
    await setup.cluster.psql("select pg_drop_replication_slot('bench_warm_up')");
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a child under bash and records its CPU time (user+sys) from `times`. */
async function runMeasured(setup: Setup, contender: string, file: string, args: string[]): Promise<void> {
  const result = await runCommand('bash', [...cpuWrapper, file, ...args]);
  const children = result.stderr.trim().split('\n').at(-1) ?? '';
  recordCpu(setup, contender, [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, match) => sum + Number(match[1]) * 60 + Number(match[2]), 0));
}

function recordCpu(setup: Setup, contender: string, seconds: number): void {
  setup.cpu.set(contender, [...(setup.cpu.get(contender) ?? []), seconds]);
}

/** Wall time of `barkeep --version`: Node, tsx and module loading, paid once per receive-wal start. */
async function measureStartup(): Promise<number> {
  const started = process.hrtime.bigint();
  await runCommand(process.execPath, [path.join(root, 'bin', 'barkeep.js'), '--version']);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function expectedSegments(range: Range): string[] {
  const names: string[] = [];
  for (let number = segmentNumberOf(range.start, range.segmentSize); number < segmentNumberOf(range.until, range.segmentSize); number += 1n) {
    names.push(formatSegmentName(range.timeline, number, range.segmentSize));
  }
  return names;
}

function describeRun(setup: Setup, contenders: Contender[]): string[] {
  const cpuMedians = contenders.map((contender) => {
    const samples = setup.cpu.get(contender.name) ?? [];
    return { name: contender.name, seconds: samples.length > 0 ? median(samples) : null };
  });
  const reference = cpuMedians[0]?.seconds ?? null;
  const cpuLine = cpuMedians.map(({ name, seconds }) => seconds === null ? `${name} -`
    : `${name} ${seconds.toFixed(2)} s${reference ? ` (${(seconds / reference).toFixed(2)}× pg_receivewal)` : ''}`).join('; ');
  const segments = expectedSegments(setup.range).length;
  return [
    `CPU time (user+sys, median; the in-process rows count this process, libuv's fsync threads included): ${cpuLine}`,
    `each run starts from a fresh copy of slot '${anchorSlot}' and drains ${segments} segments (${formatLsn(setup.range.start)} .. ${formatLsn(setup.range.until)}), WAL generated before the runs`,
    'pg_receivewal fsyncs each segment; Barkeep fsyncs each segment, then stores it in wals/ (uncompressed: a hard link; zstd: compressed, fsynced, renamed) and indexes it in the catalog',
    `the CLI row includes starting Node and the engine from bin/barkeep.js (the built bundle while it is fresh, else tsx; \`barkeep --version\` alone takes ${setup.startupSeconds.toFixed(2)} s here); a receive-wal daemon pays it once`,
  ];
}
