// A restored copy of a cluster for recovery tests: a postgres-owned folder that
// `barkeep restore` (local or over the test sshd) writes <root>/data into, whose
// exit cleanup stops whatever runs there; and starting that data folder as postgres
// on a free port until it has left recovery. The restored files are used as they
// are: ports and sockets go on pg_ctl's command line, nothing is chowned but socket/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isRoot, runAsClusterOwner, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { freePort } from './free-port';
import { chownToPostgres, makeTempDir, registerExitCleanup, removeTempDir } from './temp-dir';

export interface RestoreFolder {
  /** postgres-owned temp folder: the restore writes data/ here; socket/ and postgresql.log go here when it starts */
  root: string;
  dataDir: string;
  binDir: string;
  /** Stops a cluster running in dataDir (immediate), then removes root; safe to call twice. */
  dispose(): Promise<void>;
}

export interface RestoredCluster {
  port: number;
  logFile: string;
  /** Runs SQL with psql -Atq as postgres; returns trimmed stdout; throws on error. */
  psql(sql: string): Promise<string>;
}

/** Makes /tmp/barkeep-test-<prefix>-XXXXXX owned by postgres, with data/ as the restore destination inside. */
export async function makeRestoreFolder(prefix: string, binDir: string): Promise<RestoreFolder> {
  const root = await makeTempDir(prefix, { owner: 'postgres' });
  const dataDir = path.join(root, 'data');
  const unregister = registerExitCleanup(() => {
    // Synchronous: exit handlers cannot wait for promises.
    const pgCtl = [path.join(binDir, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', ...pgCtl], { cwd: '/', stdio: 'ignore' });
    else spawnSync(pgCtl[0]!, pgCtl.slice(1), { stdio: 'ignore' });
  });
  let disposed = false;
  return {
    root,
    dataDir,
    binDir,
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      // Ignore failure: most tests never start a cluster there, or it has stopped already.
      await stopCluster(dataDir, binDir, 'immediate').catch(() => undefined);
      unregister();
      await removeTempDir(root);
    },
  };
}

/**
 * Starts folder.dataDir as postgres on a free port (127.0.0.1, socket in
 * <root>/socket, log in <root>/postgresql.log) and waits until it has left
 * recovery: `pg_ctl -w start` returns before a point-in-time restore has reached
 * its target and promoted. Fails the test if it does not start or promote.
 */
export async function startRestoredCluster(folder: RestoreFolder): Promise<RestoredCluster> {
  const socketDir = path.join(folder.root, 'socket');
  mkdirSync(socketDir);
  await chownToPostgres(socketDir);
  const port = await freePort();
  const logFile = path.join(folder.root, 'postgresql.log');
  const started = await runAsClusterOwner(path.join(folder.binDir, 'pg_ctl'), [
    '-D', folder.dataDir, '-l', logFile, '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`, '-w', 'start',
  ]);
  assert.equal(started.code, 0, `${started.stderr}\n${logTail(logFile)}`);
  const psql = async (sql: string): Promise<string> => {
    const out = await runAsClusterOwner(path.join(folder.binDir, 'psql'), [
      '-X', '-Atq', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', sql,
    ]);
    if (out.code !== 0) throw new Error(out.stderr);
    return out.stdout.trim();
  };
  for (let waited = 0; (await psql('select pg_is_in_recovery()')) !== 'f'; waited += 200) {
    if (waited > 60_000) assert.fail(`the restored cluster did not promote: ${logTail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port, logFile, psql };
}

function logTail(logFile: string): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
}
