/**
 * A real PostgreSQL cluster for integration tests, made with the engine's
 * local-cluster.ts in a postgres-owned temp folder on a free port. Usage:
 *   const cluster = await startTestCluster({ pgbenchScale: 1 });
 *   after(() => cluster.stop());   // idempotent; also runs at process exit
 * stop() is an immediate shutdown and deletes the folder: copy what you need first.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import {
  initCluster, isRoot, runAsClusterOwner, startCluster, stopCluster,
} from '../../src-main/engine/postgres/local-cluster';
import { freePort } from './free-port';
import { makeTempDir, registerExitCleanup, removeTempDir } from './temp-dir';

export interface TestCluster {
  /** The folder holding data/, socket/ and postgresql.log. */
  rootDir: string;
  dataDir: string;
  port: number;
  socketDir: string;
  binDir: string;
  logFile: string;
  /** 'host=127.0.0.1 port=N user=postgres dbname=postgres' */
  conninfo: string;
  /** The same with replication=true, for walsender sessions (pg_receivewal, psql). */
  replicationConninfo: string;
  /** Runs SQL with psql -Atq as postgres; returns stdout without its final newline; throws on error. */
  psql(sql: string): Promise<string>;
  /** Immediate shutdown, then removes every file; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** Runs `pgbench -i -s N` after start (scale 1 is about 16 MB). */
  pgbenchScale?: number;
  settings?: Record<string, string>;
  hba?: string[];
}

const startAttempts = 3;

/** Creates and starts a cluster; the caller registers stop() with node:test's after(). */
export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const binDir = findPostgresBinDir();
  const rootDir = await makeTempDir('pg', { owner: 'postgres' });
  const dataDir = path.join(rootDir, 'data');
  const socketDir = path.join(rootDir, 'socket');
  const logFile = path.join(rootDir, 'postgresql.log');
  let stopped = false;
  const unregister = registerExitCleanup(() => {
    // Synchronous: exit handlers cannot wait for promises.
    const pgCtl = [path.join(binDir, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate', '-w'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { cwd: '/', stdio: 'ignore', timeout: 30_000 });
    else spawnSync(pgCtl[0]!, pgCtl.slice(1), { stdio: 'ignore', timeout: 30_000 });
  });
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Ignore failure: the server may never have started or may be down already.
    await stopCluster(dataDir, binDir, 'immediate').catch(() => {});
    unregister();
    await removeTempDir(rootDir);
  };

  try {
    let port = await freePort();
    await initCluster({ dataDir, binDir, port, socketDir, settings: opts.settings ?? {}, hba: opts.hba ?? [] });
    for (let attempt = 1; ; attempt++) {
      try {
        await startCluster(dataDir, binDir, logFile);
        break;
      } catch (error) {
        // Another process took the port between freePort() and the bind: try another.
        const log = await readFile(logFile, 'utf8').catch(() => '');
        if (attempt >= startAttempts || !/could not (bind|create listen socket)/i.test(log)) throw error;
        port = await freePort();
        await appendFile(path.join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
      }
    }
    const cluster = buildTestCluster({ rootDir, dataDir, socketDir, binDir, logFile, port, stop });
    if (opts.pgbenchScale !== undefined) {
      const result = await runAsClusterOwner(path.join(binDir, 'pgbench'), [
        '-i', '-q', '-s', String(opts.pgbenchScale), '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'postgres',
      ]);
      if (result.code !== 0) throw new Error(`pgbench -i failed: ${result.stderr.trim()}`);
    }
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

function buildTestCluster(parts: Omit<TestCluster, 'conninfo' | 'replicationConninfo' | 'psql'>): TestCluster {
  const conninfo = `host=127.0.0.1 port=${parts.port} user=postgres dbname=postgres`;
  return {
    ...parts,
    conninfo,
    replicationConninfo: `${conninfo} replication=true`,
    psql: async (sql) => {
      const result = await runAsClusterOwner(path.join(parts.binDir, 'psql'), [
        '-X', '-Atq', '-v', 'ON_ERROR_STOP=1',
        '-h', '127.0.0.1', '-p', String(parts.port), '-U', 'postgres', '-d', 'postgres', '-c', sql,
      ]);
      if (result.code !== 0) throw new Error(`psql failed (${sql}): ${result.stderr.trim()}`);
      return result.stdout.replace(/\n$/, '');
    },
  };
}
