// `check` on a healthy sandbox, as a new user gets it: `demo` creates the
// sandbox, `receive-wal` streams its WAL, `switch-wal --archive` closes a
// segment into the archive — then every check line is OK and the exit code 0.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src-main/engine/config/load';
import { findPostgresBinDir } from '../../src-main/engine/postgres/bin-dir';
import { isClusterRunning, stopCluster } from '../../src-main/engine/postgres/local-cluster';
import { readArchiverLock } from '../../src-main/engine/wal/archiver-lock';
import { runBarkeep } from '../support/run-cli';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-sandbox-check-'));
chmodSync(home, 0o711);
let receiver: ChildProcess | undefined;

after(async () => {
  if (receiver && receiver.exitCode === null) {
    const exited = new Promise((resolve) => receiver!.once('exit', resolve));
    receiver.kill('SIGTERM');
    await exited;
  }
  const server = loadConfig(path.join(home, 'barkeep.conf')).servers.find((candidate) => candidate.name === 'sandbox');
  if (server?.sandboxDataDirectory) {
    const binDir = findPostgresBinDir(server.pgBinDir);
    if (await isClusterRunning(server.sandboxDataDirectory, binDir)) await stopCluster(server.sandboxDataDirectory, binDir, 'immediate');
    rmSync(path.dirname(server.sandboxDataDirectory), { recursive: true, force: true });
  }
  rmSync(home, { recursive: true, force: true });
});

test('a healthy sandbox passes every check', { timeout: 180_000 }, async () => {
  const env = { BARKEEP_HOME: home };
  const demo = await runBarkeep(['demo', '-q'], env);
  assert.equal(demo.code, 0, demo.stderr);

  const before = await runBarkeep(['check', 'sandbox'], env);
  assert.equal(before.code, 1, 'nothing streams yet');
  assert.match(before.stdout, /\treceive-wal running: FAILED \(no receive-wal process runs for server 'sandbox'\)\n\t\tHINT: start it with `barkeep receive-wal sandbox`/);

  let output = '';
  receiver = spawn(process.execPath, [path.join(root, 'bin', 'barkeep.js'), 'receive-wal', 'sandbox'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  receiver.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  receiver.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const backupDirectory = loadConfig(path.join(home, 'barkeep.conf')).servers.find((server) => server.name === 'sandbox')!.backupDirectory;
  for (let waited = 0; readArchiverLock(backupDirectory) === null; waited += 100) {
    assert.ok(waited < 30_000 && receiver.exitCode === null, `receive-wal did not start:\n${output}`);
    await sleep(100);
  }

  const switched = await runBarkeep(['switch-wal', '--force', '--archive', '--archive-timeout', '60', 'sandbox'], env);
  assert.equal(switched.code, 0, `${switched.stdout}${switched.stderr}\n${output}`);

  const check = await runBarkeep(['check', 'sandbox'], env);
  assert.equal(check.code, 0, check.stdout);
  const lines = check.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Server sandbox:');
  const checkLines = lines.slice(1);
  assert.ok(checkLines.length >= 15, check.stdout);
  for (const line of checkLines) assert.match(line, /^\t[^\t].*: OK( \(.*\))?$/, `every line is OK: ${line}`);
  for (const name of ['PostgreSQL', 'PostgreSQL streaming', 'wal_level', 'replication slot', 'receive-wal running', 'systemid coherence', 'WAL archive']) {
    assert.ok(checkLines.some((line) => line.startsWith(`\t${name}: OK`)), `${name} is checked`);
  }

  const listed = await runBarkeep(['-f', 'json', 'list-servers'], env);
  assert.equal(JSON.parse(listed.stdout)[0].health, 'ok', 'the saved results make the server healthy');
});
