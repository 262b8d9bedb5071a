/**
 * Scenario "backup-rsync": backup method rsync over the real sshd on one
 * pgbench cluster, against pg_basebackup -Fp -X none and cp -a: full backups
 * (1 stream, parallel_jobs' default, which the targets are measured on; 2 streams; network_compression:
 * zstd on the wire), and, with the default too, the incremental after a confined change and after a
 * pgbench run that touches every table. These run over the SSH connection and PostgreSQL session the
 * run before kept (connection_persist); the full and the confined incremental also run with a new login
 * and session each (their own key and server name, and nothing kept). Two more lines measure the
 * transport's floor on this machine: the same tar over SSH with nothing stored,
 * through OpenSSH's client and through Barkeep's own ssh2 login. Notes say what bound each; after each
 * confined incremental, its fixed steps (SSH login, first command, backup start and stop) are timed alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackupMethodResult, PreviousBackup } from '../../src-main/engine/backup/backup-method';
import { syncTree } from '../../src-main/engine/backup/backup-folder';
import { runRsyncBackup } from '../../src-main/engine/backup/rsync/rsync-method';
import { quoteShellArg } from '../../src-main/engine/backup/rsync/shell-quote';
import { closeKeptSshLogins, openSshCopyLogin } from '../../src-main/engine/backup/rsync/ssh-login';
import { loadConfig } from '../../src-main/engine/config/load';
import type { ServerConfig } from '../../src-main/engine/config/load';
import type { JobContext } from '../../src-main/engine/jobs/job-queue';
import { closeKeptBackupSessions, openBackupSession } from '../../src-main/engine/postgres/backup-api';
import { runAsClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import { startTestCluster } from '../../test/support/pg-cluster';
import type { TestCluster } from '../../test/support/pg-cluster';
import { startTestSshd } from '../../test/support/sshd';
import type { TestSshd } from '../../test/support/sshd';
import { makeTempDir } from '../../test/support/temp-dir';
import { findExecutable, measureBytes, runCommand } from '../command';
import type { Contender, Scenario, ScenarioContext, ScenarioFixture } from '../harness';
import { formatMegabytes, formatPaired, median, pairedThroughput } from '../report';

export interface BackupRsyncOptions {
  /** pgbench -i scale: 10 is about 160 MB of tables, 100 about 1.5 GB. */
  pgbenchScale: number;
}

/** CPU seconds one run used: barkeep (this process, all its threads), tools it ran, sshd and its commands, postgres; and the whole machine. */
interface CpuSample { barkeep: number; tools: number; sshd: number; postgres: number; machineBusy: number; machineIowait: number }
interface RunRecord { wall: number; cpu: CpuSample; result: BackupMethodResult | null }
/** Milliseconds of the server's fixed work in one backup, each step timed alone. */
interface FixedCosts { login: number; firstCommand: number; start: number; stop: number }
interface Setup {
  cluster: TestCluster;
  sshd: TestSshd;
  destDir: string;
  sourceBytes: number;
  records: Map<string, RunRecord[]>;
  fixedCosts: FixedCosts[];
}

const clockTicks = 100;
const cores = readdirSync('/sys/devices/system/cpu').filter((name) => /^cpu\d+$/.test(name)).length || 1;
/** parallel_jobs' default: the configuration the targets are measured on */
const fullName = 'rsync method, full, 1 stream';
const fullNewLoginName = 'rsync method, full, 1 stream, new SSH login';
const fullTwoStreamsName = 'rsync method, full, 2 streams';
const transportNames = {
  openssh: 'ssh + tar, output discarded (OpenSSH client)',
  ssh2: 'ssh + tar, output discarded (ssh2, Barkeep\'s copy connection)',
} as const;
const confinedName = 'rsync method, incremental after a confined change';
const confinedNewLoginName = 'rsync method, incremental after a confined change, new SSH login';
const rewriteName = 'rsync method, incremental after pgbench on every table';

export function backupRsyncScenario(opts: BackupRsyncOptions): Scenario {
  return { name: 'backup-rsync', title: `backup method rsync over ssh (pgbench scale ${opts.pgbenchScale})`, setup: (ctx) => setUp(ctx, opts) };
}

async function setUp(ctx: ScenarioContext, opts: BackupRsyncOptions): Promise<ScenarioFixture> {
  ctx.log(`starting a PostgreSQL cluster and running pgbench -i -s ${opts.pgbenchScale}, and sshd`);
  // archive_mode off: pg_basebackup -X none would otherwise wait for WAL archiving forever.
  const cluster = await startTestCluster({ pgbenchScale: opts.pgbenchScale, settings: { archive_mode: 'off', min_wal_size: '32MB', max_wal_size: '64MB' } });
  ctx.onTeardown(() => cluster.stop());
  const sshd = await startTestSshd();
  ctx.onTeardown(() => sshd.stop());
  // Before sshd and the cluster stop (cleanups run last first): the connection and the session the last run kept.
  ctx.onTeardown(() => Promise.all([closeKeptSshLogins(), closeKeptBackupSessions()]).then(() => {}));
  const workDir = await makeTempDir('bench-backup-rsync');
  ctx.removeAtEnd(workDir);
  const servers = await writeServers(workDir, cluster, sshd);

  // One final state serves every contender (runs are interleaved), so the history is built first:
  // backup → pgbench run (every table) → backup → confined change → the state every run copies.
  ctx.log('taking the backups the incremental runs start from');
  await cluster.psql('checkpoint');
  const beforeRewrite = await takeBaseBackup(workDir, 'before-rewrite', servers.plain);
  const bench = await runAsClusterOwner(path.join(cluster.binDir, 'pgbench'), ['-n', '-T', '15', '-c', '2', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'postgres']);
  if (bench.code !== 0) throw new Error(`pgbench failed: ${bench.stderr.trim()}`);
  await cluster.psql('vacuum');
  await cluster.psql('checkpoint');
  const beforeConfinedChange = await takeBaseBackup(workDir, 'before-confined-change', servers.plain);
  await cluster.psql('update pgbench_branches set bbalance = bbalance + 1');
  await cluster.psql('update pgbench_tellers set tbalance = tbalance + 1');
  await cluster.psql('create table bench_confined_change as select generate_series(1, 10000) as id');
  await cluster.psql('checkpoint');

  const setup: Setup = { cluster, sshd, destDir: path.join(workDir, 'dest'), sourceBytes: await measureBytes(cluster.dataDir), records: new Map(), fixedCosts: [] };
  ctx.log(`data folder holds ${formatMegabytes(setup.sourceBytes)}`);
  const binary = path.join(cluster.binDir, 'pg_basebackup');
  const rsync = (name: string, server: ServerConfig, jobs: number, previous: PreviousBackup | null): Contender => ({
    name,
    role: 'barkeep',
    // The method, then the orchestrator's sync of what it stored: a durable copy, as pg_basebackup's.
    run: () => timeRun(setup, name, async () => {
      const result = await runRsyncBackup({
        server, backupId: 'bench', dataFolder: setup.destDir, previous, reuse: previous ? 'link' : 'off', parallelJobs: jobs, ctx: quietContext(),
      });
      await syncTree(setup.destDir, Math.max(4, jobs));
      return result;
    }),
    verify: async () => {
      await readFile(path.join(setup.destDir, 'global', 'pg_control'));
      if (previous && !setup.records.get(name)?.at(-1)?.result?.files.some((file) => file.reused)) throw new Error('the incremental backup reused no file');
    },
  });
  return {
    bytes: setup.sourceBytes,
    contenders: [
      {
        name: 'pg_basebackup -Fp -X none',
        role: 'reference',
        skipReason: findExecutable(binary) ? null : `${binary} not found`,
        // No WAL and no wait for a spread checkpoint; fsync on, as the backups Barkeep stores are synced too.
        run: () => timeRun(setup, 'pg_basebackup -Fp -X none', () => runCommand(binary, [
          '-Fp', '-D', path.join(setup.destDir, 'pg'), '-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', '-X', 'none', '-c', 'fast',
        ])),
      },
      { name: 'cp -a', role: 'reference', run: () => timeRun(setup, 'cp -a', () => runCommand('cp', ['-a', cluster.dataDir, path.join(setup.destDir, 'cp')])) },
      {
        name: transportNames.openssh,
        role: 'reference',
        skipReason: findExecutable('ssh') ? null : 'ssh (OpenSSH client) not found',
        run: () => timeRun(setup, transportNames.openssh, () => runCommand('sh', ['-c',
          `${servers.plain.sshCommand} -c aes128-gcm@openssh.com -o BatchMode=yes ${quoteShellArg(tarCommand(cluster.dataDir))} > /dev/null`])),
      },
      {
        name: transportNames.ssh2,
        role: 'reference',
        run: () => timeRun(setup, transportNames.ssh2, () => drainOverSsh2(servers.newLogin, tarCommand(cluster.dataDir))),
      },
      rsync(fullName, servers.plain, 1, null),
      rsync(fullTwoStreamsName, servers.plain, 2, null),
      rsync('rsync method, full, 2 streams, network_compression (zstd)', servers.compressed, 2, null),
      rsync(confinedName, servers.plain, 1, beforeConfinedChange),
      rsync(rewriteName, servers.plain, 1, beforeRewrite),
      rsync(fullNewLoginName, servers.newLogin, 1, null),
      { ...rsync(confinedNewLoginName, servers.newLogin, 1, beforeConfinedChange), measureAfter: async () => { setup.fixedCosts.push(await measureFixedCosts(servers.newLogin)); } },
    ],
    reset: async () => {
      await ctx.setAside(setup.destDir);
      await mkdir(setup.destDir, { recursive: true });
      // Write back the previous run's copy now, or later runs pay for it.
      await runCommand('sync', []);
    },
    describe: () => describeRun(setup),
  };
}

/**
 * The servers the runs back up: `bench` and `bench-zstd` share one login, so each run takes up the
 * connection the run before kept (and a session of its server's); `bench-new-login` logs in with its own
 * copy of the key (another login: it never takes theirs), has its own session name, and keeps nothing.
 */
async function writeServers(workDir: string, cluster: TestCluster, sshd: TestSshd): Promise<{ plain: ServerConfig; compressed: ServerConfig; newLogin: ServerConfig }> {
  const home = path.join(workDir, 'home');
  await mkdir(path.join(home, 'conf.d'), { recursive: true });
  await writeFile(path.join(home, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${home}\n`);
  const ownKey = path.join(home, 'new_login_ed25519');
  await copyFile(sshd.privateKeyPath, ownKey);
  await chmod(ownKey, 0o600);
  const server = (name: string, key: string, extra: string[]): string[] => [
    `[${name}]`, `conninfo = ${cluster.conninfo}`, 'backup_method = rsync', 'reuse_backup = link', 'immediate_checkpoint = on',
    `ssh_command = ssh -p ${sshd.port} -i ${key} -o UserKnownHostsFile=${sshd.knownHostsFile} postgres@${sshd.host}`, ...extra, '',
  ];
  await writeFile(path.join(home, 'conf.d', 'bench.conf'), [
    ...server('bench', sshd.privateKeyPath, []), ...server('bench-zstd', sshd.privateKeyPath, ['network_compression = on']),
    ...server('bench-new-login', ownKey, ['connection_persist = 0']),
  ].join('\n'));
  const servers = loadConfig(path.join(home, 'barkeep.conf')).servers;
  const named = (name: string): ServerConfig => servers.find((one) => one.name === name)!;
  return { plain: named('bench'), compressed: named('bench-zstd'), newLogin: named('bench-new-login') };
}

/** What the rsync method's stream reads, roughly: the data folder as one tar, pg_wal left out. */
/**
 * The data folder as the backups see it. GNU tar exits 1 when a file or folder changed while it
 * read it (the running cluster's doing, not the transport's): that counts as done, as for the backups.
 */
function tarCommand(dataDir: string): string {
  return `tar -C ${quoteShellArg(dataDir)} --exclude=./pg_wal --warning=no-file-changed -cf - .; test $? -le 1`;
}

/** The SSH connection Barkeep's tar streams use and one exec, every byte received and dropped: the transport without disk, hashing or tar parsing. */
async function drainOverSsh2(server: ServerConfig, command: string): Promise<number> {
  const transport = await openSshCopyLogin(server.sshCommand!, { keyHint: 'the bench server has a key' });
  try {
    const running = await transport.execStream(command);
    let bytes = 0;
    running.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    running.stderr.resume();
    const exit = await running.done;
    if (exit.code !== 0) throw new Error(`remote tar exited with ${exit.code}`);
    return bytes;
  } finally {
    await transport.close();
  }
}

/**
 * The steps of a backup that cost the same whatever changed, each timed alone: the SSH login and its
 * first command (sshd's session setup), and pg_backup_start (immediate checkpoint) and pg_backup_stop.
 */
async function measureFixedCosts(server: ServerConfig): Promise<FixedCosts> {
  const since = (started: number): number => performance.now() - started;
  let started = performance.now();
  const transport = await openSshCopyLogin(server.sshCommand!, { keyHint: 'the bench server has a key' });
  const login = since(started);
  let firstCommand: number;
  try {
    started = performance.now();
    await transport.exec('true');
    firstCommand = since(started);
  } finally {
    await transport.close();
  }
  const session = await openBackupSession(server.conninfo, { applicationName: 'barkeep bench' });
  try {
    started = performance.now();
    await session.start('barkeep bench fixed costs', true);
    const start = since(started);
    started = performance.now();
    await session.stop();
    return { login, firstCommand, start, stop: since(started) };
  } finally {
    await session.close();
  }
}

async function takeBaseBackup(workDir: string, name: string, server: ServerConfig): Promise<PreviousBackup> {
  const dataFolder = path.join(workDir, name, 'data');
  await mkdir(dataFolder, { recursive: true });
  // Backups run hours apart, not a moment after a checkpoint flushed every table: files modified in
  // the second a backup starts are compared by checksum next time, which would dominate a tiny bench.
  await new Promise((resolve) => setTimeout(resolve, 2000 - (Date.now() % 1000)));
  const result = await runRsyncBackup({ server, backupId: name, dataFolder, previous: null, reuse: 'off', parallelJobs: 2, ctx: quietContext() });
  // Whole-second mtimes, as the orchestrator reads them back from a backup_manifest.
  const files = new Map(result.files.map((file) => [file.path, { ...file, mtime: new Date(Math.floor(file.mtime.getTime() / 1000) * 1000) }]));
  return { backupId: name, dataFolder, files };
}

/** Runs one contender's work; records wall time and every party's CPU for the notes. */
async function timeRun(setup: Setup, name: string, work: () => Promise<unknown>): Promise<void> {
  const sampler = await sampleCpu(setup);
  const started = process.hrtime.bigint();
  const result = await work();
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const record = { wall, cpu: sampler.stop(), result: isBackupResult(result) ? result : null };
  setup.records.set(name, [...(setup.records.get(name) ?? []), record]);
}

function isBackupResult(value: unknown): value is BackupMethodResult {
  return typeof value === 'object' && value !== null && 'files' in value && 'bytesTransferred' in value;
}

/**
 * Samples /proc every 200 ms: every process under sshd (sessions, tar, find)
 * and under the postmaster (backends, walsender, checkpointer), whose last
 * sample counts once it exits; plus this process, its reaped children and the machine.
 */
async function sampleCpu(setup: Setup): Promise<{ stop(): CpuSample }> {
  const roots = new Map<number, 'sshd' | 'postgres'>([
    [Number((await readFile(path.join(setup.sshd.rootDir, 'sshd.pid'), 'utf8')).trim()), 'sshd'],
    [Number((await readFile(path.join(setup.cluster.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]), 'postgres'],
  ]);
  let overhead = 0;
  const baseline = new Map<number, number>();
  const latest = new Map<number, { root: 'sshd' | 'postgres'; ticks: number }>();
  const sample = (isBaseline: boolean): void => {
    const started = process.cpuUsage();
    const processes = new Map<number, { ppid: number; ticks: number }>();
    for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      try {
        const fields = readStatFields(readFileSync(`/proc/${name}/stat`, 'utf8'));
        processes.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // Gone between readdir and read.
      }
    }
    for (const [pid, info] of processes) {
      let root: 'sshd' | 'postgres' | undefined;
      for (let cursor: number | undefined = pid; cursor !== undefined && cursor > 1 && !root; cursor = processes.get(cursor)?.ppid) root = roots.get(cursor);
      if (!root) continue;
      // A process born during the run counts from zero.
      if (!baseline.has(pid)) baseline.set(pid, isBaseline ? info.ticks : 0);
      latest.set(pid, { root, ticks: info.ticks });
    }
    const used = process.cpuUsage(started);
    overhead += (used.user + used.system) / 1e6;
  };
  const own = (): { self: number; children: number } => {
    const usage = process.cpuUsage();
    const fields = readStatFields(readFileSync('/proc/self/stat', 'utf8'));
    return { self: (usage.user + usage.system) / 1e6, children: (Number(fields[13]) + Number(fields[14])) / clockTicks };
  };
  sample(true);
  const ownBefore = own();
  const machineBefore = readMachineTicks();
  const timer = setInterval(() => sample(false), 200);
  return {
    stop: () => {
      const ownAfter = own();
      const machine = readMachineTicks();
      clearInterval(timer);
      sample(false);
      const totals = { sshd: 0, postgres: 0 };
      for (const [pid, { root, ticks }] of latest) totals[root] += (ticks - (baseline.get(pid) ?? 0)) / clockTicks;
      return {
        // The sampler's own reads of /proc ran in this process: they are not barkeep's work.
        barkeep: Math.max(0, ownAfter.self - ownBefore.self - overhead), tools: ownAfter.children - ownBefore.children, ...totals,
        machineBusy: (machine.busy - machineBefore.busy) / clockTicks, machineIowait: (machine.iowait - machineBefore.iowait) / clockTicks,
      };
    },
  };
}

function readMachineTicks(): { busy: number; iowait: number } {
  // cpu  user nice system idle iowait irq softirq steal …
  const [user, nice, system, , iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user! + nice! + system! + irq! + softirq! + steal!, iowait: iowait! };
}

/** The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function readStatFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function describeRun(setup: Setup): string[] {
  const notes = [
    `source: ${formatMegabytes(setup.sourceBytes)} (du -sb, pg_wal included; backups leave its contents out); MB/s counts that size for every row`,
    'pg_basebackup: -X none -c fast (fsync on); rsync method: immediate_checkpoint, the SSH connection and PostgreSQL session the run before kept (connection_persist, as for backups a minute apart in the app)'
      + ' unless the row says "new SSH login" (a new session too; its connection carries the commands and the tar streams; aes128-gcm), SHA-256 of every stored file,'
      + ' then the sync the orchestrator does (syncfs); not timed: its manifest, backup.json and catalog (~30 ms). Runs share one process, as backups do in the app: the read rings, the'
      + ' copy blocks and the worker thread that hashes and stores small files serve the next run (a CLI backup starts them once). cp -a and the ssh + tar lines store nothing durably',
    `bound by (medians per run): CPU seconds of barkeep (all its threads), tools, sshd+tar and postgres; the machine's ${cores} cores busy, other tenants included`,
  ];
  const medianWall = (name: string): number | null => (setup.records.get(name)?.length ? median(setup.records.get(name)!.map((run) => run.wall)) : null);
  for (const [name, runs] of setup.records) {
    const pick = (read: (run: RunRecord) => number): number => median(runs.map(read));
    const wall = pick((run) => run.wall);
    const busy = pick((run) => run.cpu.machineBusy / (run.wall * cores));
    const ours = pick((run) => run.cpu.barkeep + run.cpu.tools + run.cpu.sshd + run.cpu.postgres);
    const iowait = pick((run) => run.cpu.machineIowait / (run.wall * cores));
    const verdict = busy >= 0.85 ? `CPU (cores ${(busy * 100).toFixed(0)}% busy, ${((ours / (wall * cores)) * 100).toFixed(0)}% by this backup)`
      : iowait >= 0.25 ? `disk (iowait ${(iowait * 100).toFixed(0)}%)` : `waiting (cores ${(busy * 100).toFixed(0)}% busy: checkpoint, round trips, flow control)`;
    const last = runs.at(-1)!.result;
    const traffic = last ? `; ${formatMegabytes(last.bytesTransferred)} on the wire, own bytes ${formatMegabytes(sumSizes(last.files.filter((file) => !file.reused)))} of ${formatMegabytes(sumSizes(last.files))}` : '';
    notes.push(`${name}: ${wall.toFixed(2)} s; cpu barkeep ${pick((run) => run.cpu.barkeep).toFixed(2)}, tools ${pick((run) => run.cpu.tools).toFixed(2)}, sshd+tar ${pick((run) => run.cpu.sshd).toFixed(2)}, postgres ${pick((run) => run.cpu.postgres).toFixed(2)} s → ${verdict}${traffic}`);
  }
  const full = medianWall(fullName);
  const reference = medianWall('pg_basebackup -Fp -X none');
  if (full && reference) notes.push(`full (1 stream, parallel_jobs' default) throughput: ${(reference / full).toFixed(2)}× pg_basebackup's (target ≥ 0.8×)`);
  const walls = (name: string): number[] => (setup.records.get(name) ?? []).map((run) => run.wall);
  const paired = pairedThroughput(walls('pg_basebackup -Fp -X none'), walls(fullName));
  if (paired) notes.push(`full, paired by round (each run against pg_basebackup's run of the same round): ${formatPaired(paired, walls(fullName).length)}`);
  const fullNewLogin = medianWall(fullNewLoginName);
  const pairedNewLogin = pairedThroughput(walls('pg_basebackup -Fp -X none'), walls(fullNewLoginName));
  if (fullNewLogin && reference && pairedNewLogin) {
    notes.push(`full, new SSH login: ${(reference / fullNewLogin).toFixed(2)}× pg_basebackup's throughput; paired by round: ${formatPaired(pairedNewLogin, walls(fullNewLoginName).length)}`);
  }
  const twoStreams = medianWall(fullTwoStreamsName);
  const pairedTwo = pairedThroughput(walls('pg_basebackup -Fp -X none'), walls(fullTwoStreamsName));
  if (twoStreams && reference && pairedTwo) {
    notes.push(`full, 2 streams: ${(reference / twoStreams).toFixed(2)}× pg_basebackup's throughput; paired by round: ${formatPaired(pairedTwo, walls(fullTwoStreamsName).length)}`);
  }
  // What the CPU alone allows: every process's CPU seconds spread perfectly over the cores, round trips overlapping nothing.
  const cpuOf = (name: string): number | null => (setup.records.get(name)?.length
    ? median(setup.records.get(name)!.map((run) => run.cpu.barkeep + run.cpu.tools + run.cpu.sshd + run.cpu.postgres)) : null);
  const fullCpu = cpuOf(fullName);
  const referenceCpu = cpuOf('pg_basebackup -Fp -X none');
  if (fullCpu && referenceCpu && reference) {
    notes.push(`CPU budget: the full (1 stream) costs ${fullCpu.toFixed(2)} CPU s per run (Barkeep, sshd+tar, postgres) against pg_basebackup's ${referenceCpu.toFixed(2)};`
      + ` even spread perfectly over the ${cores} cores it takes ≥ ${(fullCpu / cores).toFixed(2)} s, at most ${(reference / (fullCpu / cores)).toFixed(2)}× pg_basebackup's throughput at this CPU cost`);
  }
  for (const name of Object.values(transportNames)) {
    const floor = medianWall(name);
    if (floor && reference) notes.push(`${name}: ${(reference / floor).toFixed(2)}× pg_basebackup's throughput, the transport alone (nothing stored, hashed or parsed)`);
  }
  const confined = medianWall(confinedName);
  const confinedNewLogin = medianWall(confinedNewLoginName);
  const rewrite = medianWall(rewriteName);
  if (full && confined) notes.push(`incremental after a confined change: ${((confined / full) * 100).toFixed(0)}% of the full backup's time (target ≤ 15%), both over the connection and session the run before kept`);
  if (fullNewLogin && confinedNewLogin) {
    notes.push(`incremental after a confined change, new SSH login: ${((confinedNewLogin / fullNewLogin) * 100).toFixed(0)}% of the full's time with a new login too;`
      + ` the kept connection and session save ${((confinedNewLogin - (confined ?? confinedNewLogin)) * 1000).toFixed(0)} ms of it`);
  }
  if (fullNewLogin && setup.fixedCosts.length > 0) {
    const cost = (read: (costs: FixedCosts) => number): number => median(setup.fixedCosts.map(read));
    const floor = cost((costs) => costs.login) + cost((costs) => costs.firstCommand) + cost((costs) => costs.stop);
    notes.push(`its fixed costs, timed alone after each run (medians): SSH login ${cost((costs) => costs.login).toFixed(0)} ms, its first command ${cost((costs) => costs.firstCommand).toFixed(0)} ms,`
      + ` pg_backup_start ${cost((costs) => costs.start).toFixed(0)} ms (runs during the login), pg_backup_stop ${cost((costs) => costs.stop).toFixed(0)} ms:`
      + ` ${floor.toFixed(0)} ms (${((floor / 1000 / fullNewLogin) * 100).toFixed(0)}% of the full with a new login) before a file is listed or copied; a kept connection skips the login and sshd's session setup, a kept session a fresh backend`);
  }
  if (full && rewrite) notes.push(`incremental after pgbench on every table: ${((rewrite / full) * 100).toFixed(0)}% of the full's time (reuse is per file: a touched segment is stored again)`);
  return notes;
}

function sumSizes(files: readonly { size: number }[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

function quietContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => {}, log: () => {} };
}
