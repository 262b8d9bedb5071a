/**
 * Scenario "restore-local": Barkeep's local restore of one real backup (method
 * postgres, pgbench cluster, WAL archived through archive_command and incoming/)
 * to `--target-immediate`, the code path of `barkeep restore SERVER latest DEST
 * --target-immediate` (plan, checks, copy, WAL, recovery settings, ownership),
 * against `cp -a` of the same backup's data folder, without and with `sync`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackupInfo } from '../../shared/domain/backup';
import { runBackup } from '../../src-main/engine/backup/run-backup';
import { Catalog } from '../../src-main/engine/catalog/catalog';
import { loadConfig, type ServerConfig } from '../../src-main/engine/config/load';
import type { JobContext } from '../../src-main/engine/jobs/job-queue';
import { isRoot, lookupClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import { readWalArchiveView } from '../../src-main/engine/recovery/archive-view';
import { planRestore } from '../../src-main/engine/recovery/plan';
import { restoredWalFolder } from '../../src-main/engine/recovery/recovery-settings';
import { restoreLocal } from '../../src-main/engine/recovery/restore-local';
import { estimateRestoreThroughput, readRestoreMeasurements } from '../../src-main/engine/recovery/throughput-estimate';
import { parseRecoveryTarget } from '../../src-main/engine/recovery/target';
import { backupFolder } from '../../src-main/engine/store/layout';
import { startTestCluster } from '../../test/support/pg-cluster';
import { makeTempDir, removeTempDir } from '../../test/support/temp-dir';
import { measureBytes, runCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';
import { formatMegabytes, median } from '../report';

export interface RestoreLocalOptions {
  /** pgbench -i scale: 10 is about 160 MB of tables, 100 about 1.5 GB. */
  pgbenchScale: number;
}

interface Setup {
  server: ServerConfig;
  catalog: Catalog;
  backup: BackupInfo;
  /** the backup's data/ folder in the store: what every contender copies */
  sourceDir: string;
  sourceFiles: string[];
  destDir: string;
  /** WAL bytes the restore copies besides the data folder (cp -a copies none) */
  walBytes: number;
  walFiles: number;
  /** per contender and run: wall seconds, and CPU seconds (user + system) of its own processes */
  samples: Map<string, Array<{ wall: number; cpu: number }>>;
}

const cpName = 'cp -a (no fsync)';
const cpSyncName = 'cp -a + sync';
const barkeepName = 'restore latest --target-immediate';
/** Written by the restore itself, not copied from the backup. */
const restoreOwnFiles = new Set(['recovery.signal', 'standby.signal']);

export function restoreLocalScenario(opts: RestoreLocalOptions): Scenario {
  return {
    name: 'restore-local',
    title: `local restore of a method-postgres backup (pgbench scale ${opts.pgbenchScale})`,
    setup: (ctx) => setUp(ctx, opts),
  };
}

async function setUp(ctx: ScenarioContext, opts: RestoreLocalOptions): Promise<ScenarioFixture> {
  // 1. a pgbench cluster whose archive_command hands WAL to the Barkeep server's incoming/ (as the recovery tests do)
  const incomingDir = await makeTempDir('bench-restore-incoming', { owner: 'postgres' });
  ctx.onTeardown(() => removeTempDir(incomingDir));
  const intoIncoming = `cp %p ${incomingDir}/.%f.tmp && mv ${incomingDir}/.%f.tmp ${incomingDir}/%f`;
  ctx.log(`starting a PostgreSQL cluster and running pgbench -i -s ${opts.pgbenchScale}`);
  const cluster = await startTestCluster({
    pgbenchScale: opts.pgbenchScale, settings: { archive_command: intoIncoming, min_wal_size: '32MB', max_wal_size: '64MB' },
  });
  ctx.onTeardown(() => cluster.stop());
  await cluster.psql('checkpoint');

  // 2. one real Barkeep backup, waiting until the WAL that makes it consistent is archived
  const workDir = await makeTempDir('bench-restore');
  ctx.removeAtEnd(workDir);
  const home = path.join(workDir, 'home');
  const server = await prepareHome(home, cluster.conninfo, incomingDir);
  const catalog = Catalog.open(path.join(home, 'catalog.db'));
  ctx.onTeardown(() => catalog.close());
  ctx.log('taking a backup (method postgres) and archiving its wal');
  const backup = await runBackup({ catalog }, server, { reuse: 'off', wait: true, waitTimeoutSeconds: 120 }, silentJobContext());
  if (backup.status !== 'DONE') throw new Error(`the bench backup ended ${backup.status}`);
  // The source cluster is not needed any more: stopping it leaves both cores to the contenders.
  await cluster.stop();

  const sourceDir = path.join(backupFolder(server, backup.backupId), 'data');
  const plan = planFor(server, catalog);
  const setup: Setup = {
    server, catalog, backup, sourceDir, sourceFiles: await listFiles(sourceDir), destDir: path.join(workDir, 'dest'),
    walBytes: plan.walBytes, walFiles: plan.walSegments.length + plan.historyFiles.length, samples: new Map(),
  };
  const bytes = await measureBytes(sourceDir);
  ctx.log(`backup ${backup.backupId}: ${formatMegabytes(bytes)} in ${setup.sourceFiles.length} files; the restore adds ${setup.walFiles} wal files`);
  return {
    bytes,
    contenders: [cpContender(setup, false), cpContender(setup, true), barkeepContender(setup)],
    reset: async () => {
      await ctx.setAside(setup.destDir);
      // Whatever an earlier run left dirty is written back now, not during the next run.
      await runCommand('sync', []);
    },
    describe: () => describeRun(setup, bytes),
  };
}

/** `barkeep restore SERVER latest DEST --target-immediate`, planned as the verb plans it (time estimate included). */
function planFor(server: ServerConfig, catalog: Catalog): ReturnType<typeof planRestore> {
  const backups = catalog.listBackups(server.name);
  const hint = backups.find((backup) => backup.walSegmentSize)?.walSegmentSize ?? null;
  return planRestore({
    server: server.name, backups, archive: readWalArchiveView(server.walsDirectory, hint),
    target: parseRecoveryTarget({ immediate: true }), backupSelector: 'latest',
    throughput: estimateRestoreThroughput(readRestoreMeasurements(catalog, server.name, backups)),
  });
}

function cpContender(setup: Setup, sync: boolean): Contender {
  const name = sync ? cpSyncName : cpName;
  return {
    name,
    role: 'reference',
    run: () => measured(setup, name, 'children', async () => {
      await runCommand('cp', ['-a', setup.sourceDir, setup.destDir]);
      // syncfs of DEST's file system (other writers' dirty data too): about what an fsync of every copied file costs
      if (sync) await runCommand('sync', ['-f', setup.destDir]);
    }),
    verify: () => verifyRestored(setup, false),
  };
}

function barkeepContender(setup: Setup): Contender {
  return {
    name: barkeepName,
    role: 'barkeep',
    run: () => measured(setup, barkeepName, 'self', async () => {
      const plan = planFor(setup.server, setup.catalog);
      if (plan.backup.backupId !== setup.backup.backupId) throw new Error(`the plan chose backup ${plan.backup.backupId}, not ${setup.backup.backupId}`);
      await restoreLocal(plan, setup.destDir, { store: setup.server }, silentJobContext());
    }),
    verify: () => verifyRestored(setup, true),
  };
}

/** The restored folder is a whole data folder: PG_VERSION, pg_control, every file of the backup (and, from Barkeep, the WAL and a signal file). */
async function verifyRestored(setup: Setup, byBarkeep: boolean): Promise<void> {
  for (const file of ['PG_VERSION', 'global/pg_control']) {
    if (!existsSync(path.join(setup.destDir, file))) throw new Error(`the restored folder has no ${file}`);
  }
  const restored = await listFiles(setup.destDir);
  const copied = restored.filter((file) => !byBarkeep || (!restoreOwnFiles.has(file) && !file.startsWith(`${restoredWalFolder}/`)));
  if (copied.length !== setup.sourceFiles.length) {
    const have = new Set(copied);
    const missing = setup.sourceFiles.filter((file) => !have.has(file)).slice(0, 3);
    throw new Error(`the restored folder holds ${copied.length} files, the backup ${setup.sourceFiles.length}${missing.length ? ` (missing ${missing.join(', ')}…)` : ''}`);
  }
  if (byBarkeep) {
    const wal = restored.filter((file) => file.startsWith(`${restoredWalFolder}/`)).length;
    if (wal !== setup.walFiles) throw new Error(`the restore copied ${wal} wal files, the plan named ${setup.walFiles}`);
    if (!restored.includes('recovery.signal')) throw new Error('the restored folder has no recovery.signal');
    await verifyOwnership(setup.destDir, restored);
  }
}

/** A restore as root hands DEST and everything in it to the cluster owner; DEST itself is 0700. */
async function verifyOwnership(dest: string, restored: readonly string[]): Promise<void> {
  const top = await lstat(dest);
  if ((top.mode & 0o777) !== 0o700) throw new Error(`the restored folder has mode ${(top.mode & 0o777).toString(8)}, not 700`);
  if (!isRoot()) return;
  const { uid } = await lookupClusterOwner();
  const entries = [dest, ...restored.map((file) => path.join(dest, file))];
  const foreign = [];
  for (const entry of entries) if ((await lstat(entry)).uid !== uid) foreign.push(path.relative(dest, entry) || '.');
  if (foreign.length > 0) throw new Error(`${foreign.length} restored files are not owned by the cluster owner (${foreign.slice(0, 3).join(', ')})`);
}

/** Every regular file and symlink under `root`, as paths relative to it. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

async function prepareHome(home: string, conninfo: string, incomingDir: string): Promise<ServerConfig> {
  await mkdir(path.join(home, 'conf.d'), { recursive: true });
  await writeFile(path.join(home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  await writeFile(path.join(home, 'conf.d', 'bench.conf'), [
    '[bench]', `conninfo = ${conninfo}`, 'backup_method = postgres', 'immediate_checkpoint = on', `incoming_wals_directory = ${incomingDir}`, '',
  ].join('\n'));
  return loadConfig(path.join(home, 'barkeep.conf')).servers[0]!;
}

/** Times `run` and the CPU its own processes used: this process (all its threads) for Barkeep, the waited-for children for cp. */
async function measured(setup: Setup, name: string, own: 'self' | 'children', run: () => Promise<void>): Promise<void> {
  const cpuBefore = own === 'self' ? selfCpuSeconds() : childrenCpuSeconds();
  const started = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = (own === 'self' ? selfCpuSeconds() : childrenCpuSeconds()) - cpuBefore;
  setup.samples.set(name, [...(setup.samples.get(name) ?? []), { wall, cpu }]);
}

function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** user + system CPU seconds of this process's waited-for children, from /proc/self/stat (cutime, cstime; 100 ticks a second). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function silentJobContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => undefined, log: () => undefined };
}

function describeRun(setup: Setup, bytes: number): string[] {
  const notes = [
    `source: backup ${setup.backup.backupId}'s data folder in the store (${formatMegabytes(bytes)}, ${setup.sourceFiles.length} files); MB/s counts that size for every contender`,
    `Barkeep's run is the whole restore: plan, checks (DEST empty, no postmaster, free space), the copy, ${setup.walFiles} wal files`
      + ` (${formatMegabytes(setup.walBytes)}) into ${restoredWalFolder}/ that cp -a does not copy, recovery settings, chown to postgres, 0700`,
    'neither Barkeep nor cp -a fsyncs (PostgreSQL fsyncs the whole data folder when it starts from a backup); cp -a + sync shows what durability would cost',
  ];
  const cp = setup.samples.get(cpName);
  const ours = setup.samples.get(barkeepName);
  if (cp && ours && cp.length > 0 && ours.length > 0) {
    const ratio = median(cp.map((sample) => sample.wall)) / median(ours.map((sample) => sample.wall));
    notes.push(`Barkeep reaches ${ratio.toFixed(2)}× the throughput of ${cpName} (target ≥ 0.8×: ${ratio >= 0.8 ? 'met' : 'NOT met'})`);
  }
  // Wall times swing with whatever else the machine does; CPU seconds say how much work each contender needed.
  for (const [name, samples] of setup.samples) {
    const wall = median(samples.map((sample) => sample.wall));
    const cpu = median(samples.map((sample) => sample.cpu));
    notes.push(`${name}: median wall ${wall.toFixed(3)} s, CPU ${cpu.toFixed(3)} s user + system in its own processes (${(cpu / wall).toFixed(2)} of a core on average)`);
  }
  return notes;
}
