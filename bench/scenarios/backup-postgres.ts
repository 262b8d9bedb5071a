/**
 * Scenario "backup with method postgres": a full backup of one pgbench cluster
 * by Barkeep's orchestrator and BASE_BACKUP client (fsync, manifest, backup.json
 * included) against `pg_basebackup -Fp -X none` (which fsyncs and writes its
 * manifest too) and `cp -a`. Records CPU per run (Barkeep's process, the
 * children, the whole machine) to say what each contender is bound by.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runBackup } from '../../src-main/engine/backup/run-backup';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { loadConfig, type ServerConfig } from '../../src-main/engine/config/load';
import type { JobContext } from '../../src-main/engine/jobs/job-queue';
import { startTestCluster, type TestCluster } from '../../test/support/pg-cluster';
import { makeTempDir } from '../../test/support/temp-dir';
import { findExecutable, measureBytes, runCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';
import { formatMegabytes, formatPaired, pairedThroughput } from '../report';

export interface BackupPostgresOptions {
  pgbenchScale: number;
}

interface CpuSample {
  wall: number;
  /** CPU seconds of the contender's own processes (Barkeep's node process, or the tool and its children) */
  ownUser: number;
  ownSystem: number;
  /** CPU seconds of the whole machine (includes the walsender and other users of the machine) */
  machine: number;
}

interface Setup {
  cluster: TestCluster;
  workDir: string;
  destDir: string;
  home: string;
  sourceBytes: number;
  samples: Map<string, CpuSample[]>;
}

export function backupPostgresScenario(opts: BackupPostgresOptions): Scenario {
  return {
    name: 'backup-postgres',
    title: `full backup, method postgres (pgbench scale ${opts.pgbenchScale})`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: BackupPostgresOptions): Promise<ScenarioFixture> {
  ctx.log(`starting a PostgreSQL cluster and running pgbench -i -s ${opts.pgbenchScale}`);
  // archive_mode off: pg_basebackup -X none would otherwise wait for an archiver nobody runs.
  const cluster = await startTestCluster({ pgbenchScale: opts.pgbenchScale, settings: { archive_mode: 'off', min_wal_size: '32MB', max_wal_size: '64MB' } });
  ctx.onTeardown(() => cluster.stop());
  await cluster.psql('checkpoint');
  const workDir = await makeTempDir('bench-backup');
  ctx.removeAtEnd(workDir);
  const setup: Setup = {
    cluster, workDir, destDir: path.join(workDir, 'dest'), home: path.join(workDir, 'home'),
    // What every contender copies: the data folder without pg_wal (pg_basebackup -X none and BASE_BACKUP skip it).
    sourceBytes: await measureBytes(cluster.dataDir) - await measureBytes(path.join(cluster.dataDir, 'pg_wal')), samples: new Map(),
  };
  ctx.log(`the data folder holds ${formatMegabytes(setup.sourceBytes)} outside pg_wal`);
  return {
    bytes: setup.sourceBytes,
    contenders: [pgBasebackupContender(setup, 'CRC32C'), pgBasebackupContender(setup, 'SHA256'), cpContender(setup), barkeepContender(setup, 'server'), barkeepContender(setup, 'local')],
    reset: async () => {
      await ctx.setAside(setup.destDir);
      await ctx.setAside(setup.home);
      await runCommand('sync', []);
    },
    describe: () => describeRun(setup),
  };
}

/**
 * -c fast as Barkeep's immediate_checkpoint; fsync and the manifest stay on, as Barkeep fsyncs and writes one.
 * By default the server checksums its manifest with CRC32C; with SHA256 it pays the SHA-256 Barkeep computes itself.
 */
function pgBasebackupContender(setup: Setup, checksums: 'CRC32C' | 'SHA256'): Contender {
  const name = checksums === 'CRC32C' ? 'pg_basebackup -Fp -X none' : 'pg_basebackup … --manifest-checksums=SHA256';
  const binary = path.join(setup.cluster.binDir, 'pg_basebackup');
  return {
    name,
    role: 'reference',
    skipReason: findExecutable(binary) === null ? `${binary} not found` : null,
    run: () => measured(setup, name, 'children', async () => {
      await runCommand(binary, ['-Fp', '-D', setup.destDir, '-h', '127.0.0.1', '-p', String(setup.cluster.port), '-U', 'postgres',
        '-X', 'none', '-c', 'fast', `--manifest-checksums=${checksums}`]);
    }),
  };
}

function cpContender(setup: Setup): Contender {
  return {
    name: 'cp -a (no fsync)',
    role: 'reference',
    run: () => measured(setup, 'cp -a (no fsync)', 'children', async () => {
      await runCommand('cp', ['-a', setup.cluster.dataDir, setup.destDir]);
    }),
  };
}

/** checksums 'local': Barkeep hashes every file as it arrives, and the walsender computes none. */
function barkeepContender(setup: Setup, checksums: 'server' | 'local'): Contender {
  const name = checksums === 'server' ? 'backup --method postgres' : 'backup … backup_checksums = local';
  return {
    name,
    role: 'barkeep',
    run: async () => {
      const server = await prepareHome(setup, checksums);
      const catalog = Catalog.open(path.join(setup.home, 'catalog.db'));
      try {
        await measured(setup, name, 'self', async () => {
          const info = await runBackup({ catalog }, server, { reuse: 'off' }, silentJobContext());
          if (info.status !== 'DONE') throw new Error(`backup ended ${info.status}`);
        });
      } finally {
        catalog.close();
      }
    },
  };
}

async function prepareHome(setup: Setup, checksums: 'server' | 'local'): Promise<ServerConfig> {
  await mkdir(path.join(setup.home, 'conf.d'), { recursive: true });
  await writeFile(path.join(setup.home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${setup.home}\nconfiguration_files_directory = conf.d\n`);
  await writeFile(path.join(setup.home, 'conf.d', 'bench.conf'),
    `[bench]\nconninfo = ${setup.cluster.conninfo}\nbackup_method = postgres\nimmediate_checkpoint = on\nbackup_checksums = ${checksums}\n`);
  return loadConfig(path.join(setup.home, 'barkeep.conf')).servers[0]!;
}

/** Times `run` and records the CPU it and the machine used. */
async function measured(setup: Setup, name: string, own: 'self' | 'children', run: () => Promise<void>): Promise<void> {
  const machineBefore = readMachineCpuSeconds();
  const selfBefore = process.cpuUsage();
  const childrenBefore = own === 'children' ? readChildrenCpu() : null;
  const started = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const self = process.cpuUsage(selfBefore);
  const children = childrenBefore === null ? null : subtractCpu(readChildrenCpu(), childrenBefore);
  const sample: CpuSample = {
    wall,
    ownUser: children?.user ?? self.user / 1e6,
    ownSystem: children?.system ?? self.system / 1e6,
    machine: readMachineCpuSeconds() - machineBefore,
  };
  setup.samples.set(name, [...(setup.samples.get(name) ?? []), sample]);
}

/** user+system+irq CPU seconds of all cores, from /proc/stat (idle and iowait excluded). */
function readMachineCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** CPU of this process's waited-for children (the reference tools), from /proc/self/stat cutime and cstime. */
function readChildrenCpu(): { user: number; system: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[13]) / 100, system: Number(fields[14]) / 100 };
}

function subtractCpu(after: { user: number; system: number }, before: { user: number; system: number }): { user: number; system: number } {
  return { user: after.user - before.user, system: after.system - before.system };
}

function silentJobContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}

function describeRun(setup: Setup): string[] {
  const notes = [
    `source: a running, checkpointed pgbench cluster's data folder without pg_wal (${formatMegabytes(setup.sourceBytes)}); MB/s counts that size for every contender`,
    'Barkeep\'s run is the whole `backup`: BASE_BACKUP stream, tar extraction, fsync (syncfs), backup_manifest, backup.json, rename, catalog, disk usage;'
      + ' with backup_checksums = server (the default) the walsender computes the SHA-256 checksums, as for pg_basebackup --manifest-checksums=SHA256,'
      + ' the like-for-like reference (the plain pg_basebackup line computes CRC32C)',
  ];
  const barkeepWall = setup.samples.get('backup --method postgres');
  if (barkeepWall) {
    const ours = medianOf(barkeepWall.map((sample) => sample.wall));
    const references = [...setup.samples].filter(([name]) => name.startsWith('pg_basebackup'));
    const throughput = references.map(([name, samples]) => `${(medianOf(samples.map((sample) => sample.wall)) / ours).toFixed(2)}× the throughput of ${name}`);
    notes.push(`Barkeep reaches ${throughput.join(', ')} (target ≥ 0.95× pg_basebackup)`);
    for (const [name, samples] of references) {
      const paired = pairedThroughput(samples.map((sample) => sample.wall), barkeepWall.map((sample) => sample.wall));
      if (paired) notes.push(`paired by round against ${name} (each run against that reference's run of the same round): ${formatPaired(paired, samples.length)}`);
    }
  }
  for (const [name, samples] of setup.samples) {
    const wall = medianOf(samples.map((sample) => sample.wall));
    const user = medianOf(samples.map((sample) => sample.ownUser));
    const system = medianOf(samples.map((sample) => sample.ownSystem));
    const machine = medianOf(samples.map((sample) => sample.machine));
    const cores = machine / wall;
    const bound = cores > 1.7 ? 'CPU-bound (both cores busy)' : (user + system) / wall > 0.85 ? 'CPU-bound in its own process'
      : cores < 0.8 ? 'waiting (disk or network), CPU mostly idle' : 'mixed: CPU and I/O waits';
    notes.push(`${name}: wall ${wall.toFixed(2)} s; own process CPU ${user.toFixed(2)} s user + ${system.toFixed(2)} s sys`
      + ` (${(((user + system) / wall) * 100).toFixed(0)}% of a core); machine ${cores.toFixed(2)} of 2 cores busy → ${bound}`);
  }
  return notes;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
