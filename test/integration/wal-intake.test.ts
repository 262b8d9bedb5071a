/**
 * archive_command intake, end to end: a real cluster whose archive_command is
 * bin/barkeep-wal-archive through a real sshd into `barkeep put-wal`, then
 * `archive-wal`; duplicates, conflicts and garbage pushed the same way. Below,
 * put-wal and processIncoming edge cases on real files, in process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { EngineError } from '../../shared/errors';
import { loadConfig, type ServerConfig } from '../../src-main/engine/config/load';
import { isRoot } from '../../src-main/engine/postgres/local-cluster';
import { writeStoreIdentity } from '../../src-main/engine/store/identity-file';
import { readArchivedWal } from '../../src-main/engine/wal/archive-store';
import { processIncoming } from '../../src-main/engine/wal/incoming';
import { putWalBytes } from '../../src-main/engine/wal/put-wal';
import { validateWalSegment } from '../../src-main/engine/wal/segment-header';
import { type TestCluster } from '../support/pg-cluster';
import { type TestSshd } from '../support/sshd';
import { chownToPostgres, makeTempDir, removeTempDir } from '../support/temp-dir';
import { startClusterWithSshd } from '../support/cluster-with-sshd';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const walArchiveScript = path.join(repoRoot, 'bin', 'barkeep-wal-archive');
const remoteBarkeep = `${process.execPath} ${path.join(repoRoot, 'bin', 'barkeep.js')}`;
const segmentPattern = /^[0-9A-F]{24}$/;

interface Run { code: number; stdout: string; stderr: string }

/** Runs a program as the postgres OS user (the ssh login and the cluster owner), as a DBA's script would. */
function runAsPostgres(file: string, args: string[], input?: Buffer): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
  const [command, commandArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: '/', env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? Buffer.alloc(0));
  });
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describe('archive_command through the real sshd into put-wal, then archive-wal', { skip: !isRoot() && 'needs root: sshd logs in as postgres' }, () => {
  let cluster: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let home = '';
  let clientDir = '';
  let configFile = '';
  let server: ServerConfig;
  let sshArgs: string[] = [];
  /** incoming/ bytes captured before archive-wal, by name */
  const delivered = new Map<string, Buffer>();

  const barkeep = (args: string[], input?: Buffer): Promise<Run> => runAsPostgres(process.execPath, [path.join(repoRoot, 'bin', 'barkeep.js'), '-c', configFile, ...args], input);
  /** Pushes a file the way archive_command does: the script, as postgres, over ssh. */
  const push = async (name: string, bytes: Buffer, serverName = 'pg'): Promise<Run> => {
    const folder = path.join(clientDir, `push-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    mkdirSync(folder);
    writeFileSync(path.join(folder, name), bytes);
    await chownToPostgres(folder);
    return runAsPostgres(walArchiveScript, [...sshArgs, serverName, path.join(folder, name)]);
  };
  const incomingNames = (): string[] => (existsSync(server.incomingWalsDirectory) ? readdirSync(server.incomingWalsDirectory).sort() : []);

  before(async () => {
    ({ cluster, sshd } = await startClusterWithSshd());

    // A Barkeep home the ssh login user (postgres) owns, as on a real backup host.
    home = await makeTempDir('wal-intake-home', { owner: 'postgres' });
    configFile = path.join(home, 'barkeep.conf');
    mkdirSync(path.join(home, 'conf.d'));
    writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = ${home}/conf.d\n`);
    writeFileSync(path.join(home, 'conf.d', 'pg.conf'), `[pg]\ndescription = archive_command intake\nconninfo = ${cluster!.conninfo}\ncompression = gzip\n`);
    server = loadConfig(configFile).servers.find((candidate) => candidate.name === 'pg')!;
    const systemId = await cluster!.psql('select system_identifier from pg_control_system()');
    writeStoreIdentity(server, { systemId, pgVersion: '15', learntAt: new Date().toISOString() });
    await chownToPostgres(home);

    // The PostgreSQL host's side: the postgres user's own copy of the client key.
    clientDir = await makeTempDir('wal-intake-client', { owner: 'postgres' });
    const key = path.join(clientDir, 'id_barkeep');
    copyFileSync(sshd!.privateKeyPath, key);
    await chownToPostgres(clientDir);
    sshArgs = ['-p', String(sshd!.port), '-i', key, '-o', `UserKnownHostsFile=${sshd!.knownHostsFile}`,
      '-c', configFile, '--barkeep', remoteBarkeep, `${sshd!.username}@${sshd!.host}`];
    const archiveCommand = [walArchiveScript, ...sshArgs, 'pg'].map(shellQuote).join(' ') + ' %p';
    await cluster!.psql(`alter system set archive_command = '${archiveCommand.replace(/'/g, "''")}'`);
    await cluster!.psql('select pg_reload_conf()');
  });

  after(async () => {
    // archive_command first: a server stopping mid-archive must not leave a push behind.
    await cluster?.psql("alter system reset archive_command; select pg_reload_conf()").catch(() => undefined);
    await Promise.allSettled([cluster?.stop(), sshd?.stop()]);
    for (const dir of [home, clientDir]) if (dir) await removeTempDir(dir);
  });

  it('barkeep-wal-archive --test reaches put-wal --test over ssh', async () => {
    const result = await runAsPostgres(walArchiveScript, ['--test', ...sshArgs, 'pg']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ready to accept wal files for server 'pg' into '.+\/incoming'\n$/);
    const unknown = await runAsPostgres(walArchiveScript, ['--test', ...sshArgs, 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /ERROR: unknown server 'nosuch' \(configured: pg\)/);
  });

  it('delivers the segments PostgreSQL archives into incoming/, whole and header-valid', async () => {
    assert.ok(cluster);
    await cluster.psql('create table intake as select generate_series(1, 100000) as x');
    let closed = '';
    for (let round = 0; round < 3; round += 1) {
      await cluster.psql('insert into intake select generate_series(1, 50000)');
      closed = await cluster.psql('select pg_walfile_name(pg_switch_wal())');
    }
    await waitFor(`archive of ${closed}`, async () => {
      const [archived, failed] = (await cluster!.psql('select last_archived_wal, failed_count from pg_stat_archiver')).split('|');
      assert.equal(failed, '0', `archive_command failed; see ${cluster!.logFile}`);
      return archived !== undefined && archived >= closed ? archived : null;
    });
    const names = incomingNames();
    assert.ok(names.includes(closed), `${closed} in ${names.join(', ')}`);
    assert.ok(names.length >= 3, names.join(', '));
    assert.deepEqual(names.filter((name) => !segmentPattern.test(name)), [], 'nothing but whole segments (no temporary files)');
    for (const name of names) {
      const bytes = readFileSync(path.join(server.incomingWalsDirectory, name));
      validateWalSegment(name, bytes, bytes.length, null);
      const original = path.join(cluster.dataDir, 'pg_wal', name);
      if (existsSync(original)) assert.ok(readFileSync(original).equals(bytes), `${name} equals the cluster's pg_wal copy`);
      delivered.set(name, bytes);
    }
  });

  it('accepts an identical push of a file still waiting in incoming/ (exit 0, kept once)', async () => {
    const [name, bytes] = [...delivered.entries()][0]!;
    const result = await push(name, bytes);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(incomingNames(), [...delivered.keys()].sort());
  });

  it('archive-wal moves incoming/ into the archive, compressed and indexed, and empties incoming/', async () => {
    const result = await barkeep(['-f', 'json', 'archive-wal', 'pg']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { files: { name: string; outcome: string }[]; refused: number };
    assert.equal(report.refused, 0);
    assert.deepEqual(report.files.map((file) => file.name).sort(), [...delivered.keys()].sort());
    assert.ok(report.files.every((file) => file.outcome === 'stored'));
    assert.deepEqual(incomingNames(), []);
    for (const [name, bytes] of delivered) {
      const file = path.join(server.walsDirectory, name.slice(0, 16), `${name}.gz`);
      assert.ok(gunzipSync(readFileSync(file)).equals(bytes), `${name} decompresses to the delivered bytes`);
    }
    const listing = await barkeep(['-f', 'json', 'list-wals', 'pg']);
    assert.equal(listing.code, 0, listing.stderr);
    const coverage = JSON.parse(listing.stdout) as { segmentSize: number; timelines: { timeline: number; segments: number; firstSegment: string; lastSegment: string; gaps: unknown[] }[] };
    const sorted = [...delivered.keys()].sort();
    assert.equal(coverage.segmentSize, 16 * 1024 * 1024);
    assert.deepEqual(coverage.timelines.map(({ timeline, segments, firstSegment, lastSegment, gaps }) => ({ timeline, segments, firstSegment, lastSegment, gaps })),
      [{ timeline: 1, segments: delivered.size, firstSegment: sorted[0], lastSegment: sorted.at(-1), gaps: [] }]);
  });

  it('accepts an identical push of an archived segment: exit 0, stored once', async () => {
    const [name, bytes] = [...delivered.entries()].at(-1)!;
    const result = await push(name, bytes);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(incomingNames(), [], 'nothing new waits in incoming/');
    assert.deepEqual(readdirSync(path.join(server.walsDirectory, name.slice(0, 16))).filter((file) => file.startsWith(name)), [`${name}.gz`]);
    const archived = await barkeep(['archive-wal', 'pg']);
    assert.equal(archived.stdout, "no incoming wal files for server 'pg'\n");
  });

  it('refuses other bytes under an archived name loudly, keeping them in errors/', async () => {
    const [name, bytes] = [...delivered.entries()][1]!;
    const altered = Buffer.from(bytes);
    altered[100_000] = altered[100_000]! ^ 0xff;
    const result = await push(name, altered);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`ERROR: wal file '${name}' is already archived for server 'pg' with different content; the pushed copy was kept in '.+'`));
    assert.match(result.stderr, /HINT: two clusters may be archiving into one server/);
    const kept = readdirSync(server.errorsDirectory).filter((file) => file.startsWith(`${name}.`) && file.endsWith('.conflict'));
    assert.equal(kept.length, 1);
    assert.ok(readFileSync(path.join(server.errorsDirectory, kept[0]!)).equals(altered));
    assert.ok(readArchivedWal(server.walsDirectory, name)?.equals(bytes), 'the archived copy is untouched');
    assert.deepEqual(incomingNames(), []);
  });

  it('refuses garbage with wal-invalid; it never reaches incoming/', async () => {
    const name = '0000000100000000000000F0';
    for (const garbage of [randomBytes(16 * 1024 * 1024), Buffer.from('not a wal segment\n')]) {
      const result = await push(name, garbage);
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`^ERROR: wal segment '${name}' is refused: `));
      assert.throws(() => putWalBytes(server, name, garbage), (error: unknown) => error instanceof EngineError && error.code === 'wal-invalid');
      assert.deepEqual(incomingNames(), []);
    }
    const badName = await push('backup.json', Buffer.from('{}'));
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /'backup\.json' is not a wal file name Barkeep accepts/);
    assert.deepEqual(incomingNames(), []);
  });
});

describe('put-wal and processIncoming on real files', () => {
  let root = '';
  let server: ServerConfig;
  const mib = 1024 * 1024;
  const systemId = '7400000000000000001';

  /** A 1 MiB segment with a PostgreSQL 15 long header that matches its name. */
  const segment = (name: string, fill = 0, sysid = systemId): Buffer => {
    const data = Buffer.alloc(mib, fill);
    data.writeUInt16LE(0xd110, 0);
    data.writeUInt16LE(0x0002, 2);
    data.writeUInt32LE(parseInt(name.slice(0, 8), 16), 4);
    data.writeBigUInt64LE((BigInt(parseInt(name.slice(8, 16), 16)) * 4096n + BigInt(parseInt(name.slice(16), 16))) * BigInt(mib), 8);
    data.writeBigUInt64LE(BigInt(sysid), 24);
    data.writeUInt32LE(mib, 32);
    data.writeUInt32LE(8192, 36);
    return data;
  };
  const code = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof EngineError, String(error));
      return `${error.code}: ${error.message}`;
    }
    return 'accepted';
  };

  before(async () => {
    root = await makeTempDir('wal-intake-files');
    mkdirSync(path.join(root, 'conf.d'));
    writeFileSync(path.join(root, 'barkeep.conf'), `[barkeep]\nbarkeep_home = ${root}\n`);
    writeFileSync(path.join(root, 'conf.d', 'pg.conf'), '[pg]\nconninfo = host=127.0.0.1 dbname=postgres\ncompression = zstd\n');
    server = loadConfig(path.join(root, 'barkeep.conf')).servers[0]!;
    writeStoreIdentity(server, { systemId, pgVersion: '15', learntAt: new Date().toISOString() });
  });
  after(() => removeTempDir(root));

  it('checks the checksum, the system identifier and history files', () => {
    const name = '000000010000000000000001';
    assert.match(code(() => putWalBytes(server, name, segment(name), { sha256: '0'.repeat(64) })), /^wal-invalid: wal file '000000010000000000000001' arrived damaged/);
    assert.match(code(() => putWalBytes(server, name, segment(name, 0, '99'))), /^wal-invalid: .*belongs to system 99/);
    assert.match(code(() => putWalBytes(server, '00000002.history', Buffer.alloc(0))), /^wal-invalid: wal file '00000002.history' is empty/);
    assert.match(code(() => putWalBytes(server, '000000010000000000000001.partial', segment(name))), /^wal-invalid: .* is not a wal file name/);
    assert.equal(existsSync(server.incomingWalsDirectory) ? readdirSync(server.incomingWalsDirectory).length : 0, 0);
    assert.deepEqual(putWalBytes(server, '00000002.history', Buffer.from('1\t0/1000000\tno recovery target specified\n')), { server: 'pg', name: '00000002.history', outcome: 'stored' });
  });

  it('a different file under a name already waiting in incoming/ is a conflict; the waiting one stays', () => {
    const name = '000000010000000000000002';
    assert.equal(putWalBytes(server, name, segment(name, 1)).outcome, 'stored');
    assert.equal(putWalBytes(server, name, segment(name, 1)).outcome, 'duplicate');
    assert.match(code(() => putWalBytes(server, name, segment(name, 2))), /^wal-conflict: wal file '000000010000000000000002' is already waiting in incoming\/ for server 'pg'/);
    assert.ok(readFileSync(path.join(server.incomingWalsDirectory, name)).equals(segment(name, 1)));
  });

  it('processIncoming archives good files, moves refused ones to errors/, and cleans stale temporary files', async () => {
    const conflicting = '000000010000000000000003';
    const archived = putWalBytes(server, conflicting, segment(conflicting, 3));
    assert.equal(archived.outcome, 'stored');
    assert.equal((await processIncoming(server, null)).refused, 0);
    // Now: a conflict with the archive, a file that fails validation, an unknown file, and two temporary files.
    writeFileSync(path.join(server.incomingWalsDirectory, conflicting), segment(conflicting, 4));
    writeFileSync(path.join(server.incomingWalsDirectory, '000000010000000000000005'), segment('000000010000000000000006'));
    writeFileSync(path.join(server.incomingWalsDirectory, 'notes.txt'), 'hello');
    const stale = path.join(server.incomingWalsDirectory, '.000000010000000000000007.123.tmp');
    const fresh = path.join(server.incomingWalsDirectory, '.000000010000000000000008.124.tmp');
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'partial');
    utimesSync(stale, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    putWalBytes(server, '000000010000000000000004', segment('000000010000000000000004', 4));

    const report = await processIncoming(server, null);
    assert.deepEqual(report.files.map((file) => [file.name, file.outcome]), [
      ['000000010000000000000003', 'conflict'],
      ['000000010000000000000004', 'stored'],
      ['000000010000000000000005', 'invalid'],
      ['notes.txt', 'unknown'],
    ]);
    assert.equal(report.refused, 3);
    assert.deepEqual(readdirSync(server.incomingWalsDirectory), [path.basename(fresh)]);
    const errors = readdirSync(server.errorsDirectory);
    assert.ok(errors.some((file) => /^000000010000000000000003\..+\.conflict$/.test(file)), errors.join(', '));
    assert.ok(errors.some((file) => /^000000010000000000000005\..+\.invalid$/.test(file)), errors.join(', '));
    assert.ok(errors.some((file) => /^notes\.txt\..+\.unknown$/.test(file)), errors.join(', '));
    assert.ok(readArchivedWal(server.walsDirectory, conflicting)?.equals(segment(conflicting, 3)), 'the archived copy is untouched');
    assert.ok(existsSync(path.join(server.walsDirectory, '0000000100000000', '000000010000000000000004.zst')));
  });
});
