/**
 * The WAL verbs against a real cluster whose archive_command is a local
 * `barkeep put-wal`: switch-wal --archive (and its timeout), get-wal as
 * restore_command uses it (gzip, zstd and plain round trips, history files,
 * missing files), and list-wals with a gap. Every command runs as postgres.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type ServerConfig } from '../../src-main/engine/config/load';
import { isRoot } from '../../src-main/engine/postgres/local-cluster';
import { validateWalSegment } from '../../src-main/engine/wal/segment-header';
import { startTestCluster, type TestCluster } from '../support/pg-cluster';
import { chownToPostgres, makeTempDir, removeTempDir } from '../support/temp-dir';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const barkeepScript = path.join(repoRoot, 'bin', 'barkeep.js');

interface Run { code: number; stdout: Buffer; stderr: string }

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

describe('switch-wal, get-wal and list-wals', () => {
  let cluster: TestCluster | undefined;
  let home = '';
  let configFile = '';
  let servers: Map<string, ServerConfig>;
  /** segments archived through archive_command, and the cluster's own bytes of the last one */
  let archivedNames: string[] = [];
  let closedSegment = '';
  let closedOriginal: Buffer | null = null;

  /** `barkeep -c CONF ARGS` as the postgres OS user, the owner of this Barkeep home. */
  const barkeep = (args: string[], input?: Buffer): Promise<Run> => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('BARKEEP_')));
    const argv = [process.execPath, barkeepScript, '-c', configFile, ...args];
    const [command, commandArgs] = isRoot() ? ['runuser', ['-u', 'postgres', '--', ...argv]] : [argv[0]!, argv.slice(1)];
    return new Promise((resolve, reject) => {
      const child = spawn(command, commandArgs, { cwd: '/', env, timeout: 120_000 });
      const stdout: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(stdout), stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? Buffer.alloc(0));
    });
  };
  const text = (run: Run): string => run.stdout.toString('utf8');
  const server = (name: string): ServerConfig => servers.get(name)!;

  before(async () => {
    cluster = await startTestCluster();
    home = await makeTempDir('wal-verbs-home', { owner: 'postgres' });
    configFile = path.join(home, 'barkeep.conf');
    mkdirSync(path.join(home, 'conf.d'));
    writeFileSync(configFile, `[barkeep]\nbarkeep_home = ${home}\nconfiguration_files_directory = ${home}/conf.d\n`);
    for (const [name, compression] of [['pg', 'gzip'], ['pg-zst', 'zstd'], ['pg-plain', 'none'], ['pg-gap', 'gzip']]) {
      writeFileSync(path.join(home, 'conf.d', `${name}.conf`), `[${name}]\nconninfo = ${cluster.conninfo}\ncompression = ${compression}\n`);
    }
    servers = new Map(loadConfig(configFile).servers.map((config) => [config.name, config]));
    await chownToPostgres(home);
    // The archive_command of a PostgreSQL host that is also the backup host: put-wal directly.
    const archiveCommand = `${[process.execPath, barkeepScript, '-c', configFile].map(shellQuote).join(' ')} put-wal pg --name %f < %p`;
    await cluster.psql(`alter system set archive_command = '${archiveCommand.replace(/'/g, "''")}'`);
    await cluster.psql('select pg_reload_conf()');
  });

  after(async () => {
    await cluster?.psql('alter system reset archive_command; select pg_reload_conf()').catch(() => undefined);
    await cluster?.stop();
    if (home) await removeTempDir(home);
  });

  it('switch-wal --archive closes the segment and waits until archive_command has delivered it', async () => {
    assert.ok(cluster);
    await cluster.psql('create table verbs as select generate_series(1, 50000) as x');
    for (let round = 0; round < 2; round += 1) {
      await cluster.psql('insert into verbs select generate_series(1, 50000)');
      await cluster.psql('select pg_switch_wal()');
    }
    await cluster.psql('insert into verbs select generate_series(1, 50000)');
    const result = await barkeep(['switch-wal', 'pg', '--archive', '--archive-timeout', '90']);
    assert.equal(result.code, 0, result.stderr);
    const match = /^the wal file ([0-9A-F]{24}) has been closed on server 'pg'\nwaiting for the wal file \1 from server 'pg' \(max: 90 seconds\)\n/.exec(text(result));
    assert.ok(match, text(result));
    closedSegment = match[1]!;
    assert.match(text(result), new RegExp(`the wal file ${closedSegment} is archived\\n$`));
    const original = path.join(cluster.dataDir, 'pg_wal', closedSegment);
    closedOriginal = existsSync(original) ? readFileSync(original) : null;
    assert.ok(existsSync(path.join(server('pg').walsDirectory, closedSegment.slice(0, 16), `${closedSegment}.gz`)));
    archivedNames = readdirSync(path.join(server('pg').walsDirectory, closedSegment.slice(0, 16))).map((file) => file.replace(/\.gz$/, '')).sort();
    assert.ok(archivedNames.length >= 3, archivedNames.join(', '));
  });

  it('switch-wal --force checkpoints first, so there is always a segment to close', async () => {
    const result = await barkeep(['switch-wal', 'pg', '--force']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(text(result), /^the wal file [0-9A-F]{24} has been closed on server 'pg'\n$/);
  });

  it('switch-wal --archive times out with a clear message when nothing delivers', async () => {
    const result = await barkeep(['switch-wal', 'pg-zst', '--force', '--archive', '--archive-timeout', '2']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ERROR: wal file '[0-9A-F]{24}' of server 'pg-zst' was not archived within 2 s\nHINT: check that archive_command sends to server 'pg-zst'/);
    const usage = await barkeep(['switch-wal', 'pg', '--archive-timeout', 'soon']);
    assert.equal(usage.code, 2);
  });

  it('get-wal writes the decompressed segment to stdout and, atomically, to -o FILE', async () => {
    const stdout = await barkeep(['get-wal', 'pg', closedSegment]);
    assert.equal(stdout.code, 0, stdout.stderr);
    validateWalSegment(closedSegment, stdout.stdout, stdout.stdout.length, null);
    if (closedOriginal) assert.ok(stdout.stdout.equals(closedOriginal), "equals the cluster's pg_wal copy");
    // As restore_command = 'barkeep get-wal pg %f -o %p' runs it.
    const restoreDir = path.join(home, 'restore', 'pg_wal');
    mkdirSync(restoreDir, { recursive: true });
    await chownToPostgres(path.join(home, 'restore'));
    const toFile = await barkeep(['get-wal', 'pg', closedSegment, '-o', path.join(restoreDir, 'RECOVERYXLOG')]);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout.length, 0);
    assert.ok(readFileSync(path.join(restoreDir, 'RECOVERYXLOG')).equals(stdout.stdout));
    assert.deepEqual(readdirSync(restoreDir), ['RECOVERYXLOG']);
  });

  it('get-wal of a missing file exits 1 with wal-missing; a bad name is refused', async () => {
    const missing = await barkeep(['get-wal', 'pg', '0000000100000000000000FE']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout.length, 0);
    assert.equal(missing.stderr, "ERROR: wal file '0000000100000000000000FE' is not in the archive of server 'pg'\nHINT: see what is archived with `barkeep list-wals pg`\n");
    const badName = await barkeep(['get-wal', 'pg', 'RECOVERYHISTORY']);
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /^ERROR: 'RECOVERYHISTORY' is not a wal file name/);
    const empty = await barkeep(['list-wals', 'pg-zst']);
    assert.equal(text(empty), 'no wal files are archived for server \'pg-zst\'\n');
  });

  it('round-trips a segment through zstd and no compression', async () => {
    const segment = (await barkeep(['get-wal', 'pg', archivedNames[0]!])).stdout;
    for (const [name, suffix] of [['pg-zst', '.zst'], ['pg-plain', '']] as const) {
      const put = await barkeep(['put-wal', name, '--name', archivedNames[0]!], segment);
      assert.equal(put.code, 0, put.stderr);
      const archived = await barkeep(['archive-wal', name]);
      assert.equal(archived.code, 0, archived.stderr);
      assert.equal(text(archived), `processing incoming wal files for server '${name}'\n  ${archivedNames[0]}  stored\n`);
      const stored = path.join(server(name).walsDirectory, archivedNames[0]!.slice(0, 16), `${archivedNames[0]}${suffix}`);
      assert.ok(existsSync(stored), stored);
      if (suffix === '.zst') assert.ok(readFileSync(stored).length < segment.length / 2, 'stored compressed');
      const back = await barkeep(['get-wal', name, archivedNames[0]!]);
      assert.equal(back.code, 0, back.stderr);
      assert.ok(back.stdout.equals(segment), `${name} gives back the same bytes`);
    }
  });

  it('get-wal serves timeline history files, archived or still waiting in incoming/', async () => {
    const history = Buffer.from('1\t0/3000160\tno recovery target specified\n');
    for (const name of ['pg', 'pg-plain']) {
      const put = await barkeep(['put-wal', name, '--name', '00000002.history'], history);
      assert.equal(put.code, 0, put.stderr);
    }
    assert.equal((await barkeep(['archive-wal', 'pg'])).code, 0);
    assert.ok(existsSync(path.join(server('pg').walsDirectory, '00000002.history')));
    assert.ok(existsSync(path.join(server('pg-plain').incomingWalsDirectory, '00000002.history')), 'pg-plain has not archived it yet');
    for (const name of ['pg', 'pg-plain']) {
      const got = await barkeep(['get-wal', name, '00000002.history']);
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(history), name);
    }
  });

  it('list-wals shows ranges, counts and sizes per timeline, and a gap', async () => {
    const [first, second, third] = archivedNames;
    for (const name of [first!, third!]) {
      const bytes = (await barkeep(['get-wal', 'pg', name])).stdout;
      assert.equal((await barkeep(['put-wal', 'pg-gap', '--name', name], bytes)).code, 0);
    }
    assert.equal((await barkeep(['archive-wal', 'pg-gap'])).code, 0);

    const json = await barkeep(['-f', 'json', 'list-wals', 'pg-gap']);
    assert.equal(json.code, 0, json.stderr);
    const coverage = JSON.parse(text(json)) as { server: string; segmentSize: number; timelines: Record<string, unknown>[] };
    assert.equal(coverage.segmentSize, 16 * 1024 * 1024);
    assert.deepEqual(coverage.timelines.map(({ timeline, firstSegment, lastSegment, segments, originalBytes, gaps, missingSegments }) =>
      ({ timeline, firstSegment, lastSegment, segments, originalBytes, gaps, missingSegments })), [{
      timeline: 1, firstSegment: first, lastSegment: third, segments: 2, originalBytes: 2 * 16 * 1024 * 1024,
      gaps: [{ from: second, to: second, segments: 1 }], missingSegments: 1,
    }]);
    assert.ok((coverage.timelines[0]!.arrivalRatePerHour as number) > 0);

    const listing = await barkeep(['list-wals', 'pg-gap']);
    assert.equal(listing.code, 0, listing.stderr);
    const lines = text(listing).split('\n');
    assert.match(lines[0]!, /^Timeline\s+Parent\s+First\s+Last\s+Segments\s+Stored\s+Original\s+Per hour \(24 h\)\s+Last arrival\s+Missing$/);
    assert.match(lines[2]!, new RegExp(`^1\\s+-\\s+${first}\\s+${third}\\s+2\\s+[\\d.]+ [KM]iB\\s+32\\.0 MiB\\s+[\\d.]+\\s+\\S+Z\\s+1$`));
    assert.ok(lines.includes(`gap on timeline 1: ${second} (1 segment missing)`), text(listing));

    const full = JSON.parse(text(await barkeep(['-f', 'json', 'list-wals', 'pg']))) as { timelines: { segments: number; gaps: unknown[] }[] };
    // switch-wal --force and archive-wal above archived a few more since.
    assert.equal(full.timelines[0]!.segments, readdirSync(path.join(server('pg').walsDirectory, closedSegment.slice(0, 16))).length);
    assert.deepEqual(full.timelines[0]!.gaps, []);
  });
});
