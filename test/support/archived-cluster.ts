// A real cluster whose WAL goes into a Barkeep archive, and a Barkeep home with
// that cluster as server `pg` (method postgres unless the extra options name
// one): archive_command copies each segment into the server's incoming/
// (atomically, as the postgres user), and `barkeep archive-wal` or `backup
// --wait` archives it. For recovery tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestCluster, type TestCluster } from './pg-cluster';
import { runBarkeep, type CliResult } from './run-cli';
import { makeTempDir, removeTempDir } from './temp-dir';

export interface ArchivedCluster {
  cluster: TestCluster;
  home: string;
  configFile: string;
  incomingDir: string;
  /** runs `barkeep -c <configFile> ...args` */
  barkeep(...args: string[]): Promise<CliResult>;
  /** stops the cluster and removes the folders; idempotent */
  stop(): Promise<void>;
}

export async function startArchivedCluster(prefix: string, extraServerOptions: string[] = []): Promise<ArchivedCluster> {
  const incomingDir = await makeTempDir(`${prefix}-incoming`, { owner: 'postgres' });
  const intoIncoming = `cp %p ${incomingDir}/.%f.tmp && mv ${incomingDir}/.%f.tmp ${incomingDir}/%f`;
  const cluster = await startTestCluster({ settings: { archive_command: intoIncoming } });
  const home = await makeTempDir(`${prefix}-home`);
  mkdirSync(path.join(home, 'conf.d'));
  const configFile = path.join(home, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  writeFileSync(path.join(home, 'conf.d', 'pg.conf'), [
    '[pg]', `conninfo = ${cluster.conninfo}`, 'immediate_checkpoint = on', 'minimum_redundancy = 1',
    ...(extraServerOptions.some((line) => /^backup_method\s*=/.test(line)) ? [] : ['backup_method = postgres']),
    `incoming_wals_directory = ${incomingDir}`, ...extraServerOptions, '',
  ].join('\n'));
  return {
    cluster,
    home,
    configFile,
    incomingDir,
    barkeep: (...args) => runBarkeep(['-c', configFile, ...args]),
    stop: async () => {
      await cluster.stop();
      await removeTempDir(home);
      await removeTempDir(incomingDir);
    },
  };
}
