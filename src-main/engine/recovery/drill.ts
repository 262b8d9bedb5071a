/**
 * A restore drill: restores a plan into a temporary folder on this machine,
 * starts PostgreSQL there (127.0.0.1, a free port, its own socket folder,
 * trust over that socket only), waits until recovery reached the target, reads
 * where it stopped, validates, then always stops the cluster, deletes the folder
 * and records the outcome (passed or failed) through `record`.
 */
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EngineError, toErrorPayload } from '../../../shared/errors';
import type { DrillRow } from '../catalog/drill-queries';
import type { JobContext } from '../jobs/job-queue';
import { isClusterRunning, isRoot, lookupClusterOwner, startCluster, stopCluster } from '../postgres/local-cluster';
import type { StorePaths } from '../store/layout';
import { connectWhenReady, runValidation, waitForTarget, type DrillEndpoint, type ReachedPoint } from './drill-session';
import type { RestorePlan } from './plan';
import { restoreLocal } from './restore-local';

export interface DrillOptions {
  store: StorePaths;
  /** the PostgreSQL server programs (pg_ctl) */
  binDir: string;
  /** the role to connect as on the copy: the server conninfo's user, which exists there */
  user: string;
  /** custom validation queries (run in the postgres database); empty: the default validation */
  validationSql?: readonly string[];
  /** where the temporary folder goes (default: the OS temp folder); postgres must be able to enter it */
  tempRoot?: string;
  /** how long recovery may take to reach the target; default 30 minutes */
  timeoutMs?: number;
  /** saves the outcome (the catalog); returns the row id */
  record?: (row: DrillRow) => number;
  now?: () => Date;
}

export interface DrillReport extends DrillRow {
  /** the catalog row id; null when nothing recorded it */
  id: number | null;
  targetTimeline: number;
  walSegments: number;
  copiedBytes: number;
  /** 'promoted' or 'paused' at the target; null when the drill failed before */
  reachedState: ReachedPoint['state'] | null;
  /** the deleted temporary folder, for the log */
  workDir: string | null;
}

const defaultTimeoutMs = 30 * 60_000;
const startAttempts = 3;

export async function runDrill(plan: RestorePlan, options: DrillOptions, ctx: JobContext): Promise<DrillReport> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  if (plan.target.kind !== 'latest' && plan.target.action === 'shutdown') {
    throw new EngineError('usage', 'a drill cannot use --target-action shutdown: it must read the restored copy', 'use promote (the default) or pause');
  }
  let workDir: string | null = null;
  let dataDir: string | null = null;
  let started = false;
  let copiedBytes = 0;
  let reached: ReachedPoint | null = null;
  let validation: DrillRow['validation'] = [];
  let failure: unknown = null;
  let logFile = '';
  try {
    // 1. a private folder postgres owns, holding data/, socket/ and the server log
    workDir = await makeWorkDir(options.tempRoot ?? os.tmpdir(), plan.server);
    dataDir = path.join(workDir, 'data');
    const socketDir = path.join(workDir, 'socket');
    logFile = path.join(workDir, 'postgresql.log');

    // 2. the restore itself, as `barkeep restore` does it
    ctx.progress({ phase: 'restoring' });
    const restored = await restoreLocal(plan, dataDir, { store: options.store, now }, ctx);
    copiedBytes = restored.copiedBytes;

    // 3. start it on a free port, reachable only through its own socket
    ctx.progress({ phase: 'starting' });
    await mkdir(socketDir, { mode: 0o700 });
    let port = await findFreePort();
    await writeDrillSettings(dataDir, socketDir, port);
    await handToClusterOwner([workDir, socketDir, ...['postgresql.conf', 'postgresql.auto.conf', 'pg_hba.conf'].map((file) => path.join(dataDir!, file))]);
    for (let attempt = 1; ; attempt += 1) {
      try {
        started = true;
        await startCluster(dataDir, options.binDir, logFile);
        break;
      } catch (error) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt >= startAttempts || !/could not (bind|create listen socket)/i.test(log)) throw error;
        port = await findFreePort();
        await appendFile(path.join(dataDir, 'postgresql.auto.conf'), `port = ${port}\n`);
      }
    }

    // 4. wait for the target (pg_ctl -w returns before recovery has finished), read where it stopped
    ctx.progress({ phase: 'recovering' });
    const endpoint: DrillEndpoint = { socketDir, port, user: options.user };
    const deadline = Date.now() + (options.timeoutMs ?? defaultTimeoutMs);
    const runningDir = dataDir;
    const isAlive = (): Promise<boolean> => isClusterRunning(runningDir, options.binDir).catch(() => false);
    const client = await connectWhenReady(endpoint, 'postgres', ctx.signal, deadline, isAlive);
    try {
      reached = await waitForTarget(client, plan.target.action, ctx.signal, deadline, isAlive);
      ctx.log(`recovery ${reached.state} at lsn ${reached.lsn ?? '-'} (last transaction ${reached.time ?? 'none'})`);

      // 5. validation
      ctx.progress({ phase: 'validating' });
      validation = await runValidation(client, endpoint, options.validationSql ?? [], ctx.signal);
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    failure = await withLogTail(error, logFile);
  } finally {
    // 6. always: stop (fast, then immediate), delete the folder
    ctx.progress({ phase: 'cleaning up' });
    if (started && dataDir !== null) await stopQuietly(dataDir, options.binDir);
    if (workDir !== null) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }

  // 7. record the outcome, passed or failed
  const finishedAt = now();
  const row: DrillRow = {
    server: plan.server, backupId: plan.backup.backupId, target: plan.targetDescription,
    startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(),
    durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    reachedLsn: reached?.lsn ?? null, reachedTime: reached?.time ?? null, timeline: reached?.timeline ?? null,
    validation, ok: failure === null, error: failure === null ? null : toErrorPayload(failure),
  };
  const id = options.record?.(row) ?? null;
  if (failure instanceof EngineError && failure.code === 'cancelled') throw failure;
  ctx.log(row.ok ? `drill of backup ${row.backupId} passed in ${row.durationSeconds.toFixed(1)} s` : `drill failed: ${row.error?.message ?? ''}`, row.ok ? 'info' : 'error');
  return {
    ...row, id, targetTimeline: plan.targetTimeline, walSegments: plan.walSegments.length, copiedBytes,
    reachedState: reached?.state ?? null, workDir,
  };
}

async function makeWorkDir(tempRoot: string, server: string): Promise<string> {
  if (!existsSync(tempRoot)) {
    throw new EngineError('io-failed', `the drill folder's parent '${tempRoot}' does not exist`, 'create it, or choose another with --temp-dir');
  }
  const dir = await mkdtemp(path.join(path.resolve(tempRoot), `barkeep-drill-${server.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  await chmod(dir, 0o700);
  return dir;
}

/**
 * The drill's own settings, appended last so they win: a private socket on a
 * free port, trust over that socket only, no archiving and no streaming from
 * the original, hot standby (to read while paused) and small shared buffers.
 */
async function writeDrillSettings(dataDir: string, socketDir: string, port: number): Promise<void> {
  const hbaFile = path.join(dataDir, 'pg_hba.conf');
  const quote = (value: string): string => `'${value.replace(/'/g, "''")}'`;
  // A data folder whose configuration lived elsewhere (Debian's /etc/postgresql) has no postgresql.conf.
  if (!existsSync(path.join(dataDir, 'postgresql.conf'))) await writeFile(path.join(dataDir, 'postgresql.conf'), '', { mode: 0o600 });
  await writeFile(hbaFile, '# barkeep drill: only the drill, through its private socket\nlocal all all trust\n', { mode: 0o600 });
  await appendFile(path.join(dataDir, 'postgresql.auto.conf'), [
    '# barkeep drill: a throwaway copy, reachable only through its own socket',
    `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = ${quote(socketDir)}`,
    `hba_file = ${quote(hbaFile)}`, "primary_conninfo = ''", 'hot_standby = on', "shared_buffers = '128MB'",
    'ssl = off', 'logging_collector = off', 'archive_mode = off', '',
  ].join('\n'));
}

async function handToClusterOwner(paths: readonly string[]): Promise<void> {
  if (!isRoot()) return;
  const owner = await lookupClusterOwner();
  for (const target of paths) {
    if (existsSync(target)) await chown(target, owner.uid, owner.gid);
  }
}

async function stopQuietly(dataDir: string, binDir: string): Promise<void> {
  try {
    await stopCluster(dataDir, binDir, 'fast');
  } catch {
    await stopCluster(dataDir, binDir, 'immediate').catch(() => undefined);
  }
}

/** Adds the end of the server log to a drill failure, since the folder holding it is deleted. */
async function withLogTail(error: unknown, logFile: string): Promise<unknown> {
  if (!(error instanceof EngineError) || error.code === 'cancelled' || logFile === '') return error;
  const log = await readFile(logFile, 'utf8').catch(() => '');
  const tail = log.trim().split('\n').filter((line) => /FATAL|ERROR|PANIC|LOG: +(recovery stopping|recovery ended)/.test(line)).slice(-3).join(' | ');
  return tail === '' ? error : new EngineError(error.code, `${error.message}; server log: ${tail}`, error.hint, { cause: error });
}

/** A port nothing listens on right now; startCluster retries with another when the bind loses a race. */
function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new EngineError('io-failed', 'no free tcp port was assigned for the drill'))));
    });
  });
}
