/**
 * The composition root of the engine: configuration, catalog and job queue,
 * wired once and shared by every door (Electron, serve host, CLI). It owns their
 * lifetimes; doors call its methods and never reach into the parts' files.
 */
import path from 'node:path';
import type { JobEvent, PushEvent, InvalidateTopic } from '../../shared/ipc/events';
import type { ConfigWarning, ServerProbe, ServerSummary } from '../../shared/domain/server';
import type { DiskHistory, DiskReport, DiskStateChange } from '../../shared/domain/disk';
import type { ServerName } from '../../shared/domain/names';
import { EngineError, toErrorPayload } from '../../shared/errors';
import { Catalog, type CheckResultRow } from './catalog/catalog';
import { lastDrill } from './catalog/drill-queries';
import { listRestorePoints } from './catalog/restore-point-queries';
import { rebuildCatalog, type RebuildProgress, type RebuildReport } from './catalog/rebuild';
import { watchConfigFiles } from './config/config-watch';
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
import type { RestorePoint } from '../../shared/domain/restore-point';
import { listBackupRows, showBackupDetail } from './backup/backup-rows';
import { selectBackup } from './backup/backup-selector';
import { deleteBackup } from './backup/delete-backup';
import { runBackup } from './backup/run-backup';
import { closeKeptSshLogins } from './backup/rsync/ssh-login';
import { closeKeptBackupSessions } from './postgres/backup-api';
import type { VerifyReport } from './backup/verify-backup';
import { runVerifyJob } from './backup/verify-job';
import { setBackupKeep } from './retention/keep';
import { buildWalCoverageView } from './wal/coverage-view';
import { measureStores, readDiskHistory, readDiskOverview } from './disk/disk-overview';
import { DiskWatch } from './disk/disk-watch';
import { latestUsageSamples, type DiskUsageSample } from './disk/usage-history';
import { readVolumeStatuses } from './disk/volume-states';
import type { ConnectionTestReport, RemovedServer, SaveServerResult, ServerEdit, ServerEditorState } from '../../shared/domain/server-editor';
import { testServerConnection } from './check/connection-test';
import { FileSecretStore, secretsFolder, type SecretStore } from './config/secret-store';
import { readServerEditorState, removeServer, saveServerEdit, secretForTest, type EditingDeps } from './config/server-editing';
import { validateServerForm } from './config/server-form';
import { addPasswordLookup, conninfoReaches, type PasswordTarget } from './postgres/stored-passwords';
import { parseSshCommand, type SshCommandTarget } from './backup/rsync/ssh-command';
import { addPassphraseLookup, type SshKeyTarget } from './transport/stored-passphrases';
import { diskGaugeOf, readArchiverState, readWalArrival, summariseDrill } from './server-activity';
import type { DrillRequest, RestoreOutcome, RestorePlanRequest, RestorePlanView, RestoreStartRequest } from '../../shared/domain/restore';
import { runDrill, type DrillReport } from './recovery/drill';
import type { RestoreReport } from './recovery/restore-local';
import { drillOutcomeOf, restoreOutcomeOf, RestoreOutcomes } from './recovery/restore-outcomes';
import { previewComposedRestore } from './recovery/restore-preview';
import { buildDrillOptions, checkRestoreRun, planComposedRestore, prepareComposedRun } from './recovery/restore-request';

export interface EngineOptions {
  configFile: string;
  /** create a default home when the configuration file does not exist (the app and `demo` do; listings do not) */
  createHome?: boolean;
  jobConcurrency?: number;
  /** where server secrets live; default: <home>/secrets/<server>.json as they are (the Electron shell seals them with safeStorage) */
  secretStore?: (home: string) => SecretStore;
}

export class Engine {
  readonly catalog: Catalog;
  readonly jobs: JobQueue;
  /** server passwords and key passphrases, outside the configuration files */
  readonly secrets: SecretStore;
  private currentConfig: LoadedConfig;
  /** the last failed reload of followConfigEdits, until one succeeds */
  private reloadProblem: ConfigWarning | null = null;
  private readonly listeners = new Set<(event: PushEvent) => void>();
  /** judges the volumes on every 'disk' invalidation while someone listens (the Electron shell's notifications) */
  /** what the restore and drill jobs started through the contract produced, by job id */
  private readonly restoreOutcomes = new RestoreOutcomes();
  private readonly diskWatch = new DiskWatch(async () => ({
    volumes: await readVolumeStatuses(this.currentConfig.servers, this.currentConfig.global),
    thresholds: diskThresholds(this.currentConfig.global),
  }));

  private readonly stopPasswordLookup: () => void;
  private readonly stopPassphraseLookup: () => void;

  private constructor(config: LoadedConfig, catalog: Catalog, jobs: JobQueue, secrets: SecretStore) {
    this.currentConfig = config;
    this.catalog = catalog;
    this.jobs = jobs;
    this.secrets = secrets;
    jobs.onEvent((event: JobEvent) => this.emit({ kind: 'job', event }));
    // Every connection of this process to a configured server finds its stored password at connect time.
    this.stopPasswordLookup = addPasswordLookup((target) => this.storedPasswordFor(target));
    // And every SSH login of a configured server's ssh_command finds its key's stored passphrase.
    this.stopPassphraseLookup = addPassphraseLookup((target) => this.storedPassphraseFor(target));
  }

  static open(options: EngineOptions): Engine {
    const config = options.createHome ? ensureHome(options.configFile) : loadConfig(options.configFile);
    const catalog = Catalog.open(catalogFile(config));
    catalog.failAbandonedJobs(new Date().toISOString());
    const jobs = new JobQueue({ concurrency: options.jobConcurrency ?? 2, recorder: catalog });
    const secrets = options.secretStore?.(config.global.home) ?? new FileSecretStore(secretsFolder(config.global.home));
    return new Engine(config, catalog, jobs, secrets);
  }

  get config(): LoadedConfig {
    return this.currentConfig;
  }

  get home(): string {
    return this.currentConfig.global.home;
  }

  reloadConfig(): LoadedConfig {
    this.currentConfig = loadConfig(this.currentConfig.configFile);
    this.reloadProblem = null;
    this.invalidate('servers');
    return this.currentConfig;
  }

  /**
   * Long-running doors (serve, the app) follow edits of the configuration files
   * made outside Barkeep. A file that no longer loads leaves the configuration
   * loaded before in force, and becomes the first of the configuration warnings
   * until a later edit loads again. Returns the stop function.
   */
  followConfigEdits(): () => void {
    const watch = watchConfigFiles({
      configFile: this.currentConfig.configFile,
      serverFilesFolder: () => this.currentConfig.global.configurationFilesDirectory,
      reload: () => {
        try {
          this.reloadConfig();
        } catch (error) {
          this.reloadProblem = describeReloadProblem(this.currentConfig.configFile, error);
          this.invalidate('servers');
        }
      },
    });
    return () => watch.close();
  }

  /** What the configuration files say is doubtful, and a failed reload first (app:info shows them). */
  get configWarnings(): ConfigWarning[] {
    return this.reloadProblem ? [this.reloadProblem, ...this.currentConfig.warnings] : this.currentConfig.warnings;
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
        // A server added in the editor has no known version or system id yet: learn them once, quietly.
        if (this.catalog.serverFacts(server.name)?.systemId == null) await this.probeServer(server.name, ctx.signal).catch(() => undefined);
        const failing = run.results.filter((result) => !result.ok);
        ctx.log(failing.length === 0 ? 'every check is OK' : `failing: ${failing.map((result) => result.name).join(', ')}`, failing.length === 0 ? 'info' : 'warn');
        this.invalidate('servers', server.name);
        this.invalidate('checks', server.name);
        return run;
      },
    });
  }

  rebuildCatalog(onProgress?: (progress: RebuildProgress) => void): RebuildReport {
    const report = rebuildCatalog(this.catalog.file, this.currentConfig.servers, onProgress);
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

  /** The restore points found in the server's archived WAL, newest last. */
  restorePoints(name: string): RestorePoint[] {
    return listRestorePoints(this.catalog, this.server(name).name);
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

  /** The plan of a restore composed in the app, its destination's checks, settings preview and command lines; writes nothing. */
  previewRestore(request: RestorePlanRequest): Promise<RestorePlanView> {
    const server = this.server(request.server);
    return previewComposedRestore({ catalog: this.catalog, server, configFile: this.currentConfig.configFile }, request);
  }

  /** Plans and checks (a refusal is thrown before any job), then restores as a job; the outcome waits in restoreOutcome(). */
  async startRestore(request: RestoreStartRequest): Promise<JobHandle<RestoreReport>> {
    const server = this.server(request.server);
    const plan = planComposedRestore(this.catalog, server, request);
    const run = prepareComposedRun(plan, server, request.destination, request.tablespaces);
    await checkRestoreRun(run);
    const handle = this.jobs.submit({ kind: 'restore', server: server.name, title: `restore ${server.name}`, run: (ctx) => run(false, ctx) });
    const sshCommand = request.destination.kind === 'ssh' ? request.destination.sshCommand : null;
    this.restoreOutcomes.follow(handle.id, handle.done.then((report) => restoreOutcomeOf(report, request.server, sshCommand)));
    return handle;
  }

  /** A drill of the composed target as a job, recorded like `barkeep drill`; the outcome waits in restoreOutcome(). */
  startDrill(request: DrillRequest): JobHandle<DrillReport> {
    const server = this.server(request.server);
    const plan = planComposedRestore(this.catalog, server, request);
    const options = buildDrillOptions(this.catalog, this.currentConfig.global, server);
    const handle = this.jobs.submit({
      kind: 'drill', server: server.name, title: `drill ${server.name}`,
      run: async (ctx) => {
        try {
          return await runDrill(plan, options, ctx);
        } finally {
          // The last drill is part of the server's health.
          this.invalidate('servers', request.server);
        }
      },
    });
    this.restoreOutcomes.follow(handle.id, handle.done.then((report) => drillOutcomeOf(report, request.server)));
    return handle;
  }

  restoreOutcome(jobId: string): Promise<RestoreOutcome> {
    return this.restoreOutcomes.get(jobId);
  }

  /** What the backup, delete, keep and retention commands need from the engine: one place, so every door passes the same (the disk thresholds included). */
  backupDeps(): { catalog: Catalog; invalidate: (server: ServerName) => void; global: GlobalConfig } {
    return { catalog: this.catalog, invalidate: (server) => this.invalidate('backups', server), global: this.currentConfig.global };
  }

  /** The server's own options as the editor shows them; which secrets are stored, never their values. */
  serverEditorState(name: string): ServerEditorState {
    return readServerEditorState(this.currentConfig, this.server(name), this.secrets);
  }

  /** Validates the form, stores its secrets, writes conf.d/<server>.conf and reloads (the servers list follows). */
  saveServerEdit(edit: ServerEdit): SaveServerResult {
    return saveServerEdit(this.editingDeps(), edit);
  }

  /** Validates the form, then connects as it says with the typed (or stored) secrets; saves nothing. */
  async testServerEdit(edit: ServerEdit, signal?: AbortSignal): Promise<ConnectionTestReport> {
    const fieldErrors = validateServerForm(edit.form, { config: this.currentConfig, original: edit.original, secrets: edit.secrets });
    if (fieldErrors.length > 0) return { ok: false, fieldErrors, steps: [] };
    const stored = edit.original === null ? {} : this.secrets.read(this.server(edit.original).name);
    const steps = await testServerConnection({
      form: edit.form,
      password: secretForTest(edit.secrets.password, stored.password),
      sshKeyPassphrase: secretForTest(edit.secrets.sshKeyPassphrase, stored.sshKeyPassphrase) || undefined,
      ...(signal ? { signal } : {}),
    });
    return { ok: steps.every((step) => step.ok), fieldErrors: [], steps };
  }

  /** Removes the server's own file and secrets; its backups and WAL stay in its store. */
  removeServerConfig(name: string): RemovedServer {
    return removeServer(this.editingDeps(), this.server(name).name);
  }

  private editingDeps(): EditingDeps {
    return { config: this.currentConfig, secrets: this.secrets, reload: () => this.reloadConfig() };
  }

  /** pgpass rules over the configured servers: the server whose conninfo is the target's first, then one with the same host, port and user. */
  private storedPasswordFor(target: PasswordTarget): string | undefined {
    let sameRole: ServerConfig | undefined;
    for (const server of this.currentConfig.servers) {
      const reach = conninfoReaches([server.conninfo, server.streamingConninfo], target);
      if (reach === null || !this.secrets.holds(server.name).password) continue;
      if (reach === 'exact') return this.secrets.read(server.name).password;
      sameRole ??= server;
    }
    return sameRole === undefined ? undefined : this.secrets.read(sameRole.name).password;
  }

  /** The passphrase stored for the server whose ssh_command logs in as the target (and names the same key, when both name one). */
  private storedPassphraseFor(target: SshKeyTarget): string | undefined {
    for (const server of this.currentConfig.servers) {
      if (server.sshCommand === null || !this.secrets.holds(server.name).sshKeyPassphrase) continue;
      let login: SshCommandTarget;
      try {
        login = parseSshCommand(server.sshCommand);
      } catch {
        continue;
      }
      if (login.host !== target.host || login.port !== target.port || login.username !== target.username) continue;
      if (login.privateKeyPath !== null && target.privateKeyPath !== null && path.resolve(login.privateKeyPath) !== path.resolve(target.privateKeyPath)) continue;
      return this.secrets.read(server.name).sshKeyPassphrase;
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.jobs.cancelAll();
    this.stopPasswordLookup();
    this.stopPassphraseLookup();
    this.listeners.clear();
    this.diskWatch.dispose();
    this.catalog.close();
    await Promise.all([closeKeptSshLogins(), closeKeptBackupSessions()]);
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

/** A reload's error as a configuration warning: its file and line when the message names them ('<file>:<line>: …'). */
function describeReloadProblem(configFile: string, error: unknown): ConfigWarning {
  const message = toErrorPayload(error).message;
  const located = /^(\/[^:]+):(\d+): (.*)$/s.exec(message);
  return {
    file: located?.[1] ?? configFile,
    line: located ? Number(located[2]) : 0,
    option: '(not reloaded)',
    message: `${located?.[3] ?? message}; the configuration loaded before stays in force until the file loads again`,
  };
}
