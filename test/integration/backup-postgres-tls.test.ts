// A backup with method `postgres` over TLS, through the real `barkeep`
// command: pg_hba refuses every TCP session without TLS, so the BASE_BACKUP
// stream must come through node's TLS socket (Barkeep's read-buffer socket
// carries plain sessions only) and still land whole: pg_verifybackup accepts it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BackupInfo } from '../../shared/domain/backup';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { runBarkeep } from '../support/run-cli';
import { chownToPostgres, makeTempDir, removeTempDir } from '../support/temp-dir';

let cluster: TestCluster;
let certDir: string;
let home: string;
let configFile: string;

before(async () => {
  certDir = await makeTempDir('backup-tls-cert');
  const certFile = path.join(certDir, 'server.crt');
  const keyFile = path.join(certDir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-subj', '/CN=127.0.0.1', '-days', '2'], { stdio: 'ignore' });
  // PostgreSQL refuses a key others may read.
  chmodSync(keyFile, 0o600);
  await chownToPostgres(certDir);
  cluster = await startTestCluster({
    pgbenchScale: 2,
    settings: { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile, archive_mode: 'off' },
    hba: ['hostnossl all all 127.0.0.1/32 reject', 'hostnossl replication all 127.0.0.1/32 reject'],
  });
  home = await makeTempDir('backup-tls-home');
  mkdirSync(path.join(home, 'conf.d'));
  configFile = path.join(home, 'barkeep.conf');
  writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = conf.d\n`);
  const server = (name: string, sslmode: string): string => [
    `[${name}]`, `conninfo = ${cluster.conninfo} sslmode=${sslmode}`, 'backup_method = postgres', 'immediate_checkpoint = on', '',
  ].join('\n');
  writeFileSync(path.join(home, 'conf.d', 'servers.conf'), `${server('tls', 'require')}\n${server('plain', 'disable')}`);
});

after(async () => {
  await cluster?.stop();
  if (home) await removeTempDir(home);
  if (certDir) await removeTempDir(certDir);
});

const barkeep = (...args: string[]) => runBarkeep(['-c', configFile, ...args]);

test('a backup over TLS arrives whole: pg_verifybackup accepts it; without TLS the server refuses the session', async () => {
  const refused = await barkeep('backup', 'plain');
  assert.notEqual(refused.code, 0, 'pg_hba must refuse a session without TLS, or this test proves nothing');
  assert.match(refused.stderr, /pg_hba\.conf rejects connection.*no encryption|no pg_hba\.conf entry.*SSL off/);

  const result = await barkeep('backup', 'tls');
  assert.equal(result.code, 0, result.stderr);
  const list = await barkeep('-f', 'json', 'list-backup', 'tls');
  const [backup] = JSON.parse(list.stdout) as BackupInfo[];
  assert.ok(backup);
  assert.equal(backup.status, 'DONE');
  assert.ok(backup.sizeBytes > 25 * 1024 * 1024, `a scale 2 cluster is about 40 MB, got ${backup.sizeBytes}`);
  const folder = path.join(home, 'tls', 'base', backup.backupId);
  const verified = execFileSync(path.join(cluster.binDir, 'pg_verifybackup'), ['-n', '-m', path.join(folder, 'backup_manifest'), path.join(folder, 'data')], { encoding: 'utf8' });
  assert.match(verified, /backup successfully verified/);
});
