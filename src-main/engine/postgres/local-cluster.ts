/**
 * Creates, starts and stops a PostgreSQL cluster on this machine with initdb
 * and pg_ctl: the clusters Barkeep restores into and the ones tests run against.
 * The server refuses to run as root, so as root every command runs as the
 * `postgres` OS user. Never talks SQL; see connect.ts for that.
 */
import { execFile } from 'node:child_process';
import { appendFile, chown, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../../shared/errors';

export interface ClusterInit {
  dataDir: string;
  binDir: string;
  port: number;
  socketDir: string;
  /** Extra postgresql.conf settings; they win over the defaults written here. */
  settings?: Record<string, string>;
  /** Extra pg_hba.conf lines, placed before the trust lines so they match first. */
  hba?: string[];
  /** Name of the bootstrap superuser (initdb -U); default 'postgres'. */
  superuser?: string;
}

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const clusterOwner = 'postgres';

/** Runs initdb and writes the configuration and pg_hba.conf Barkeep expects. */
export async function initCluster(init: ClusterInit): Promise<void> {
  await prepareOwnedDir(path.dirname(init.dataDir));
  await prepareOwnedDir(init.socketDir);
  const result = await runAsClusterOwner(path.join(init.binDir, 'initdb'), [
    '-D', init.dataDir,
    '-U', init.superuser ?? 'postgres',
    '-A', 'trust',
    '-E', 'UTF8',
    '--locale=C',
    '-k',
  ]);
  if (result.code !== 0) {
    throw new EngineError(
      'postgres-failed',
      `unable to initialise cluster '${init.dataDir}': ${lastLines(result.stderr || result.stdout)}`,
      'check that the folder is empty and that the postgres user can write to its parent',
    );
  }
  await appendFile(path.join(init.dataDir, 'postgresql.conf'), renderSettings(init));
  await writeFile(path.join(init.dataDir, 'pg_hba.conf'), renderHba(init.hba ?? []));
}

/** Starts the cluster and waits until it accepts connections (pg_ctl -w). */
export async function startCluster(dataDir: string, binDir: string, logFile: string): Promise<void> {
  await prepareLogFile(logFile);
  const result = await runAsClusterOwner(path.join(binDir, 'pg_ctl'), [
    'start', '-w', '-D', dataDir, '-l', logFile,
  ]);
  if (result.code !== 0) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    throw new EngineError(
      'postgres-failed',
      `unable to start cluster '${dataDir}': ${lastLines(`${result.stderr}\n${log}`)}`,
      `read the server log '${logFile}'`,
    );
  }
}

/** Stops the cluster; 'fast' rolls back sessions, 'immediate' skips the checkpoint. */
export async function stopCluster(dataDir: string, binDir: string, mode: StopMode = 'fast'): Promise<void> {
  const result = await runAsClusterOwner(path.join(binDir, 'pg_ctl'), [
    'stop', '-w', '-D', dataDir, '-m', mode,
  ]);
  if (result.code !== 0) {
    throw new EngineError(
      'postgres-failed',
      `unable to stop cluster '${dataDir}': ${lastLines(result.stderr || result.stdout)}`,
      'check whether the server is running with `pg_ctl status`',
    );
  }
}

/** True when pg_ctl status finds a running postmaster for the data folder. */
export async function isClusterRunning(dataDir: string, binDir: string): Promise<boolean> {
  const result = await runAsClusterOwner(path.join(binDir, 'pg_ctl'), ['status', '-D', dataDir]);
  // pg_ctl status: 0 running, 3 not running, 4 no accessible data folder.
  return result.code === 0;
}

/**
 * Runs a program as the cluster owner: through `runuser` when this process is
 * root (from '/', since runuser keeps a cwd postgres may not read), else directly.
 * Never throws for a non-zero exit; the caller judges the result.
 */
export function runAsClusterOwner(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const [command, commandArgs] = isRoot()
    ? ['runuser', ['-u', clusterOwner, '--', file, ...args]]
    : [file, args];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      commandArgs,
      {
        cwd: isRoot() ? '/' : process.cwd(),
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 0,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code === 'string') {
          reject(
            new EngineError(
              error.code === 'ENOENT' ? 'postgres-binaries-missing' : 'postgres-failed',
              `unable to run '${file}': ${error.message}`,
              'check the PostgreSQL binaries folder (pg_bin_dir)',
              { cause: error },
            ),
          );
          return;
        }
        if (error && typeof error.code !== 'number') {
          // Killed by a signal, e.g. the timeout: report it like a failed exit.
          resolve({ code: -1, stdout, stderr: `${stderr}\n${error.message}` });
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** True when the process runs as root and must hand cluster work to `postgres`. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Looks up the uid and gid of the cluster owner (root only). */
export async function lookupClusterOwner(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const fields = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .find((parts) => parts[0] === clusterOwner);
  if (!fields || fields[2] === undefined || fields[3] === undefined) {
    throw new EngineError(
      'postgres-failed',
      `os user '${clusterOwner}' not found`,
      'install the PostgreSQL server package, which creates the postgres user',
    );
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/**
 * Creates dir and, as root, hands it to postgres, but only when it is new or
 * empty: a shared parent such as /tmp must never change owner. Otherwise
 * initdb reports what it cannot write.
 */
async function prepareOwnedDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (!isRoot()) return;
  if (created === undefined && (await readdir(dir)).length > 0) return;
  const owner = await lookupClusterOwner();
  await chown(dir, owner.uid, owner.gid);
}

async function prepareLogFile(logFile: string): Promise<void> {
  await mkdir(path.dirname(logFile), { recursive: true });
  const handle = await open(logFile, 'a');
  await handle.close();
  if (!isRoot()) return;
  const owner = await lookupClusterOwner();
  await chown(logFile, owner.uid, owner.gid);
}

function renderSettings(init: ClusterInit): string {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(init.port),
    unix_socket_directories: init.socketDir,
    wal_level: 'replica',
    max_wal_senders: '10',
    max_replication_slots: '10',
    archive_mode: 'on',
    // archive_mode needs a restart but archive_command only a reload: it starts
    // empty (the server keeps WAL until one is set) so a caller can point it at
    // Barkeep later with ALTER SYSTEM.
    archive_command: '',
    ...init.settings,
  };
  const lines = Object.entries(settings).map(([name, value]) => `${name} = ${quoteSetting(value)}`);
  return [
    '',
    '# Written by Barkeep (local-cluster.ts). ALTER SYSTEM still overrides these.',
    ...lines,
    '',
  ].join('\n');
}

function quoteSetting(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function renderHba(extra: string[]): string {
  return [
    '# Written by Barkeep (local-cluster.ts); first matching line wins.',
    ...extra,
    'local   all           all                     trust',
    'local   replication   all                     trust',
    'host    all           all     127.0.0.1/32    trust',
    'host    replication   all     127.0.0.1/32    trust',
    '',
  ].join('\n');
}

function lastLines(text: string, count = 8): string {
  const lines = text.trim().split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n') || 'no output';
}
