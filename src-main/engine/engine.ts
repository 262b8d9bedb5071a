/**
 * The composition root of the engine: configuration, catalog and job queue,
 * wired once and shared by every door (Electron, serve host, CLI). It owns their
 * lifetimes; doors call its methods and never reach into the parts' files.
 */
import path from 'node:path';
import type { JobEvent, PushEvent, InvalidateTopic } from '../../shared/ipc/events';
import type { ServerProbe, ServerSummary } from '../../shared/domain/server';
import type { DiskHistory, DiskReport, DiskStateChange } from '../../shared/domain/disk';
import type { ServerName } from '../../shared/domain/names';
import { EngineError } from '../../shared/errors';
import { Catalog, type CheckResultRow } from './catalog/catalog';
import { lastDrill } from './catalog/drill-queries';
import { rebuildCatalog, type RebuildReport } from './catalog/rebuild';
import { ensureHome } from './config/home';
import { loadConfig } from './config/load';
import type { GlobalConfig, LoadedConfig, ServerConfig } from './config/load';
import { JobQueue, type JobHandle } from './jobs/job-queue';
import { connectPostgres, describeServer } from './postgres/connect';
import { redactConninfo } from './postgres/conninfo';
import { writeStoreIdentity } from './store/identity-file';
import { createSandbox, type SandboxReport } from './sandbox/create-sandbox';
import { deriveHealth } from './check/health';
import { runChecks, type CheckRun } from './check/run-checks';
import type { BackupInfo, KeepTarget } from '../../shared/domain/backup';
import type { BackupDetail, BackupList, DeletedBackup, KeptBackup } from '../../shared/domain/backup-view';
import { BackupId } from '../../shared/domain/names';
import type { CheckResult } from '../../shared/domain/server';
import type { WalCoverageView } from '../../shared/domain/wal-coverage';
import { listBackupRows, showBackupDetail } from './backup/backup-rows';
import { selectBackup } from './backup/backup-selector';
import { deleteBackup } from './backup/delete-backup';
import { runBackup } from './backup/run-backup';
import type { VerifyReport } from './backup/verify-backup';
import { runVerifyJob } from './backup/verify-job';
import { setBackupKeep } from './retention/keep';
import { buildWalCoverageView } from './wal/coverage-view';
import { measureStores, readDiskHistory, readDiskOverview } from './disk/disk-overview';
import { DiskWatch } from './disk/disk-watch';
import { latestUsageSamples, type DiskUsageSample } from './disk/usage-history';
import { readVolumeStatuses } from './disk/volume-states';
import { diskGaugeOf, readArchiverState, readWalArrival, summariseDrill } from './server-activity';

export interface EngineOptions {
  configFile: string;
  /** create a default home when the configuration file does not exist (the app and `demo` do; listings do not) */
  createHome?: boolean;
  jobConcurrency?: number;
}

export class Engine {
  readonly catalog: Catalog;
  readonly jobs: JobQueue;
  private currentConfig: LoadedConfig;
  private readonly listeners = new Set<(event: PushEvent) => void>();
  /** judges the volumes on every 'disk' invalidation while someone listens (the Electron shell's notifications) */
  private readonly diskWatch = new DiskWatch(async () => ({
    volumes: await readVolumeStatuses(this.currentConfig.servers, this.currentConfig.global),
    thresholds: diskThresholds(this.currentConfig.global),
  }));

  private constructor(config: LoadedConfig, catalog: Catalog, jobs: JobQueue) {
    this.currentConfig = config;
    this.catalog = catalog;
    this.jobs = jobs;
    jobs.onEvent((event: JobEvent) => this.emit({ kind: 'job', event }));
  }

  static open(options: EngineOptions): Engine {
    const config = options.createHome ? ensureHome(options.configFile) : loadConfig(options.configFile);
    const catalog = Catalog.open(catalogFile(config));
    catalog.failAbandonedJobs(new Date().toISOString());
    const jobs = new JobQueue({ concurrency: options.jobConcurrency ?? 2, recorder: catalog });
    return new Engine(config, catalog, jobs);
  }

  get config(): LoadedConfig {
    return this.currentConfig;
  }

  get home(): string {
    return this.currentConfig.global.home;
  }

  reloadConfig(): LoadedConfig {
    this.currentConfig = loadConfig(this.currentConfig.configFile);
    this.invalidate('servers');
    return this.currentConfig;
  }

  onEvent(listener: (event: PushEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  invalidate(topic: InvalidateTopic, server: ServerName | null = null): void {
    this.emit({ kind: 'invalidate', topic, server });
    // Backups taken, deleted or retired change what the store holds: the disk figures follow.
    if (topic === 'backups') this.invalidate('disk', server);
    if (topic === 'disk' && this.diskWatch.watched) void this.diskWatch.look();
  }

  /** A volume crossed into warning or critical (once per crossing); listening makes the engine watch the volumes. */
  onDiskStateChange(listener: (change: DiskStateChange) => void): () => void {
    return this.diskWatch.onChange(listener);
  }

  server(name: string): ServerConfig {
    const server = this.currentConfig.servers.find((candidate) => candidate.name === name);
    if (!server) {
      const known = this.currentConfig.servers.map((candidate) => candidate.name).join(', ') || 'none';
      throw new EngineError('server-unknown', `unknown server '${name}' (configured: ${known})`,
        `add a [${name}] section in ${this.currentConfig.global.configurationFilesDirectory}, or run \`barkeep list-servers\``);
    }
    return server;
  }

  listServers(): ServerSummary[] {
    const samples = new Map(latestUsageSamples(this.catalog).map((sample) => [sample.server, sample]));
    return this.currentConfig.servers.map((server) => this.summarise(server, samples.get(server.name)));
  }

  /** Connects to a server, learns its version and system identifier, and remembers them. */
  async probeServer(name: string, signal?: AbortSignal): Promise<ServerProbe> {
    const server = this.server(name);
    let client;
    try {
      client = await connectPostgres(server.conninfo, { signal, timeoutMs: 10_000, applicationName: 'barkeep' });
      const facts = await describeServer(client);
      const learntAt = new Date().toISOString();
      this.catalog.upsertServerFacts({ name: server.name, systemId: facts.systemId, pgVersion: facts.version, learntAt });
      writeStoreIdentity(server, { systemId: facts.systemId, pgVersion: facts.version, learntAt });
      this.invalidate('servers', server.name);
      return { name: server.name, reachable: true, pgVersion: facts.version, systemId: facts.systemId, error: null };
    } catch (error) {
      if (!(error instanceof EngineError) || error.code !== 'postgres-unreachable') throw error;
      return { name: server.name, reachable: false, pgVersion: null, systemId: null, error: error.message };
    } finally {
      await client?.end().catch(() => undefined);
    }
  }

  /** Creates (or reuses and starts) the local sandbox cluster and registers it as server `sandbox`. */
  startSandbox(): JobHandle<SandboxReport> {
    return this.jobs.submit({
      kind: 'sandbox',
      server: null,
      title: 'create the sandbox server',
      run: async (ctx) => {
        const report = await createSandbox(this.currentConfig, ctx);
        this.reloadConfig();
        ctx.progress({ phase: 'probing' });
        const probe = await this.probeServer(report.serverName, ctx.signal);
        if (!probe.reachable) {
          throw new EngineError('sandbox-failed', `the sandbox server does not answer: ${probe.error ?? 'unknown reason'}`,
            `look at ${report.logFile}`);
        }
        return { ...report, pgVersion: probe.pgVersion, systemId: probe.systemId };
      },
    });
  }

  /** Runs the server's checks as a job; the saved results become its health. */
  startCheck(name: string): JobHandle<CheckRun> {
    const server = this.server(name);
    return this.jobs.submit({
      kind: 'check',
      server: server.name,
      title: `check ${server.name}`,
      run: async (ctx) => {
        ctx.progress({ phase: 'checking' });
        const run = await runChecks(this, server, ctx.signal);
        const failing = run.results.filter((result) => !result.ok);
        ctx.log(failing.length === 0 ? 'every check is OK' : `failing: ${failing.map((result) => result.name).join(', ')}`, failing.length === 0 ? 'info' : 'warn');
        this.invalidate('servers', server.name);
        this.invalidate('checks', server.name);
        return run;
      },
    });
  }

  rebuildCatalog(): RebuildReport {
    const report = rebuildCatalog(this.catalog.file, this.currentConfig.servers);
    this.invalidate('servers');
    this.invalidate('backups');
    return report;
  }

  /** Every result of the server's last `check` run (and a failed last drill), failing ones first, critical before warning. */
  checkResults(name: string): CheckResult[] {
    const server = this.server(name);
    const rank = (check: CheckResultRow): number => (check.ok ? 2 : check.severity === 'critical' ? 0 : 1);
    return [...this.catalog.checkResults(server.name), ...drillHealth(this.catalog, server)]
      .sort((a, b) => rank(a) - rank(b))
      .map((check) => ({ name: check.checkName, ok: check.ok, severity: check.severity, detail: check.detail, hint: check.hint, checkedAt: check.checkedAt }));
  }

  listBackups(name: string): BackupList {
    return listBackupRows(this.catalog, this.server(name), new Date());
  }

  showBackup(name: string, backupId: string): Promise<BackupDetail> {
    return showBackupDetail(this.catalog, this.server(name), backupId, new Date());
  }

  walCoverage(name: string): WalCoverageView {
    return buildWalCoverageView(this.catalog, this.server(name));
  }

  /** Volumes read now, servers from their newest usage samples; no store is walked. */
  async diskReport(): Promise<DiskReport> {
    const report = await readDiskOverview(this.catalog, this.currentConfig.servers, this.currentConfig.global, new Date());
    this.diskWatch.observe(report.volumes, report.thresholds);
    return report;
  }

  /** Walks every store now and records today's samples, then reports. */
  async measureDisk(): Promise<DiskReport> {
    await measureStores(this.catalog, this.currentConfig.servers, new Date());
    this.invalidate('disk');
    return this.diskReport();
  }

  diskHistory(name?: string): DiskHistory {
    const servers = name === undefined ? this.currentConfig.servers.map((server) => server.name) : [this.server(name).name];
    return readDiskHistory(this.catalog, servers, new Date());
  }

  /** A full backup as a job (progress and cancellation through the queue); 'backups' is invalidated as it goes. */
  startBackup(name: string): JobHandle<BackupInfo> {
    const server = this.server(name);
    return this.jobs.submit({
      kind: 'backup',
      server: server.name,
      title: `backup ${server.name}`,
      run: async (ctx) => {
        try {
          return await runBackup(this.backupDeps(), server, {}, ctx);
        } finally {
          // The backup's usage sample is recorded after its last 'backups' invalidation.
          this.invalidate('disk', server.name);
        }
      },
    });
  }

  startVerify(name: string, backupId: string): JobHandle<VerifyReport> {
    const server = this.server(name);
    const backup = selectBackup(this.catalog.listBackups(server.name), backupId, server.name);
    return this.jobs.submit({
      kind: 'verify',
      server: server.name,
      title: `verify backup ${backup.backupId} of ${server.name}`,
      run: (ctx) => runVerifyJob(server, backup, this.currentConfig.global.pgBinDir, ctx),
    });
  }

  async deleteBackup(name: string, backupId: string): Promise<DeletedBackup> {
    const report = await deleteBackup(this.backupDeps(), this.server(name), backupId);
    return { backupId: BackupId.parse(report.backupId), status: report.status, freedBytes: report.freedBytes, remaining: report.remaining };
  }

  keepBackup(name: string, backupId: string, target: KeepTarget | null): KeptBackup {
    const info = setBackupKeep(this.backupDeps(), this.server(name), backupId, target);
    return { backupId: info.backupId, keep: info.keep };
  }

  private backupDeps(): { catalog: Catalog; invalidate: (server: ServerName) => void; global: GlobalConfig } {
    return { catalog: this.catalog, invalidate: (server) => this.invalidate('backups', server), global: this.currentConfig.global };
  }

  async close(): Promise<void> {
    await this.jobs.cancelAll();
    this.listeners.clear();
    this.diskWatch.dispose();
    this.catalog.close();
  }

  private summarise(server: ServerConfig, diskSample: DiskUsageSample | undefined): ServerSummary {
    const facts = this.catalog.serverFacts(server.name);
    const stats = this.catalog.backupStats(server.name);
    const checks = [...this.catalog.checkResults(server.name), ...drillHealth(this.catalog, server)];
    return {
      name: server.name,
      description: server.description,
      active: server.active,
      backupMethod: server.backupMethod,
      conninfo: redactConninfo(server.conninfo),
      configFile: server.file,
      isSandbox: server.sandboxDataDirectory !== null,
      systemId: facts?.systemId ?? null,
      pgVersion: facts?.pgVersion ?? null,
      health: deriveHealth(checks),
      failingChecks: checks.filter((check) => !check.ok)
        .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1))
        .map((check) => ({ name: check.checkName, severity: check.severity, detail: check.detail, hint: check.hint })),
      checkedAt: checks.reduce<string | null>((latest, check) => (latest === null || check.checkedAt > latest ? check.checkedAt : latest), null),
      backupCount: stats.count,
      lastBackupAt: stats.lastEndTime,
      wal: readWalArrival(this.catalog, server.name),
      archiver: readArchiverState(server),
      disk: diskGaugeOf(diskSample, this.currentConfig.global),
      lastDrill: summariseDrill(lastDrill(this.catalog, server.name)),
    };
  }

  private emit(event: PushEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('barkeep: an event listener failed:', error);
      }
    }
  }
}

/** The last restore drill is part of a server's health: a failed one is a warning that names it. */
function drillHealth(catalog: Catalog, server: ServerConfig): CheckResultRow[] {
  const drill = lastDrill(catalog, server.name);
  if (drill === null || drill.ok) return [];
  return [{
    server: server.name,
    checkName: 'last restore drill',
    ok: false,
    severity: 'warning',
    detail: `the drill of ${drill.startedAt} failed: ${drill.error?.message ?? 'unknown reason'}`,
    hint: `see \`barkeep list-drills ${server.name} --last\`, fix the cause, and run \`barkeep drill ${server.name}\` again`,
    checkedAt: drill.finishedAt,
  }];
}

function diskThresholds(global: GlobalConfig): DiskReport['thresholds'] {
  return { warningFreePercent: global.diskWarningFreePercent, criticalFreePercent: global.diskCriticalFreePercent };
}

export function catalogFile(config: LoadedConfig): string {
  return path.join(config.global.home, 'catalog.db');
}
