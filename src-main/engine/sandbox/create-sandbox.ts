/**
 * The sandbox: a PostgreSQL cluster Barkeep creates on this machine with the
 * local binaries and registers as server `sandbox`, so a new user can try every
 * verb at once. Creates it on first use, starts it when stopped, never touches
 * a cluster it did not create.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ServerName } from '../../../shared/domain/names';
import { EngineError } from '../../../shared/errors';
import type { LoadedConfig } from '../config/load';
import { writeServerConfig } from '../config/write-server';
import type { JobContext } from '../jobs/job-queue';
import { findPostgresBinDir } from '../postgres/bin-dir';
import { initCluster, isClusterRunning, isRoot, runAsClusterOwner, startCluster } from '../postgres/local-cluster';

export const sandboxServerName = ServerName.parse('sandbox');
const firstSandboxPort = 54330;

export interface SandboxReport {
  serverName: ServerName;
  dataDirectory: string;
  binDir: string;
  port: number;
  logFile: string;
  created: boolean;
  started: boolean;
  /** set when the sandbox could not live in the home (root, and postgres cannot enter it) */
  relocatedBecause: string | null;
  pgVersion: string | null;
  systemId: string | null;
}

export async function createSandbox(config: LoadedConfig, ctx: JobContext): Promise<SandboxReport> {
  const existing = config.servers.find((server) => server.name === sandboxServerName);
  if (existing && existing.sandboxDataDirectory === null) {
    throw new EngineError('sandbox-failed', `a server named 'sandbox' is already configured in '${existing.file}' and is not a Barkeep sandbox`,
      'rename that server, or remove its configuration file');
  }
  ctx.progress({ phase: 'locating binaries' });
  const binDir = findPostgresBinDir(existing?.pgBinDir ?? null);
  const { root, relocatedBecause } = await chooseSandboxRoot(config.global.home);
  const dataDirectory = existing?.sandboxDataDirectory ?? path.join(root, 'pgdata');
  const logFile = path.join(path.dirname(dataDirectory), 'postgresql.log');
  if (relocatedBecause) ctx.log(relocatedBecause, 'warn');

  let created = false;
  let port: number;
  if (existsSync(path.join(dataDirectory, 'PG_VERSION'))) {
    port = readConfiguredPort(dataDirectory);
    ctx.log(`reusing the sandbox cluster in ${dataDirectory} (port ${port})`);
  } else {
    ctx.progress({ phase: 'initdb' });
    port = await findFreePort(firstSandboxPort);
    ctx.log(`creating a sandbox cluster in ${dataDirectory} with ${binDir} on port ${port}`);
    await initCluster({
      dataDir: dataDirectory,
      binDir,
      port,
      socketDir: path.join(path.dirname(dataDirectory), 'socket'),
      // The sandbox archives by streaming from a slot; archive_mode on with no
      // archive_command would keep every WAL segment in pg_wal forever.
      settings: { shared_buffers: '64MB', max_connections: '30', log_line_prefix: '%m [%p] %q%u@%d ', archive_mode: 'off' },
    });
    created = true;
  }

  let started = false;
  ctx.progress({ phase: 'starting' });
  if (!(await isClusterRunning(dataDirectory, binDir))) {
    port = await startOnAFreePort(dataDirectory, binDir, logFile, port, ctx);
    started = true;
    ctx.log(`started the sandbox cluster (log: ${logFile})`);
  }

  ctx.progress({ phase: 'registering' });
  const conninfo = `host=127.0.0.1 port=${port} user=postgres dbname=postgres application_name=barkeep`;
  writeServerConfig(config, sandboxServerName, {
    description: 'Local sandbox cluster created by barkeep demo',
    conninfo,
    streaming_conninfo: conninfo,
    backup_method: 'postgres',
    streaming_archiver: 'on',
    slot_name: 'barkeep',
    create_slot: 'auto',
    retention_policy: 'REDUNDANCY 2',
    sandbox_data_directory: dataDirectory,
    pg_bin_dir: binDir,
  });
  return { serverName: sandboxServerName, dataDirectory, binDir, port, logFile, created, started, relocatedBecause, pgVersion: null, systemId: null };
}

/**
 * As root the cluster runs as `postgres`, which must be able to enter every
 * folder above the data folder. A home under /root is closed to it: the sandbox
 * then lives in /var/lib/barkeep, keyed by the home, and we say so.
 */
async function chooseSandboxRoot(home: string): Promise<{ root: string; relocatedBecause: string | null }> {
  const inHome = path.join(home, 'sandbox');
  if (!isRoot()) return { root: inHome, relocatedBecause: null };
  const probe = await runAsClusterOwner('/usr/bin/test', ['-x', home]);
  if (probe.code === 0) return { root: inHome, relocatedBecause: null };
  const key = createHash('sha256').update(home).digest('hex').slice(0, 12);
  const root = path.join('/var/lib/barkeep/sandboxes', key);
  return {
    root,
    relocatedBecause: `the postgres OS user cannot enter ${home}, so the sandbox cluster lives in ${root}`,
  };
}

/**
 * Starts the cluster; when its port was taken between the check and the start
 * (another sandbox or test cluster starting at the same moment), moves it to
 * the next free port and tries again, a few times. Returns the port it runs on.
 */
async function startOnAFreePort(dataDirectory: string, binDir: string, logFile: string, port: number, ctx: JobContext): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await startCluster(dataDirectory, binDir, logFile);
      return port;
    } catch (error) {
      if (attempt >= 5 || !/Address already in use/.test((error as Error).message)) throw error;
      const taken = port;
      port = await findFreePort(port + 1);
      appendFileSync(path.join(dataDirectory, 'postgresql.conf'), `\n# port ${taken} was taken when the sandbox started\nport = ${port}\n`);
      ctx.log(`port ${taken} was taken by another process as the sandbox started: moving it to port ${port}`, 'warn');
    }
  }
}

function readConfiguredPort(dataDirectory: string): number {
  const conf = readFileSync(path.join(dataDirectory, 'postgresql.conf'), 'utf8');
  const matches = [...conf.matchAll(/^\s*port\s*=\s*'?(\d+)'?/gm)];
  const port = Number(matches.at(-1)?.[1]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new EngineError('sandbox-failed', `no port found in '${path.join(dataDirectory, 'postgresql.conf')}'`,
      'set `port` in that file, or remove the sandbox folder to create a new one');
  }
  return port;
}

async function findFreePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port += 1) {
    if (await isPortFree(port)) return port;
  }
  throw new EngineError('sandbox-failed', `no free TCP port between ${from} and ${from + 99} on 127.0.0.1`, 'stop some local servers and try again');
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
