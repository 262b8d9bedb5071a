/**
 * The transport and postgres layers against a real cluster and a real sshd:
 * psql through ssh2, pg through connectPostgres, pinned host keys refused when
 * wrong or unknown, SFTP stat/list/read/write, and the local transport.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import path from 'node:path';
import type pg from 'pg';
import { EngineError } from '../../shared/errors';
import { connectPostgres, describeServer } from '../../src-main/engine/postgres/connect';
import { runAsClusterOwner } from '../../src-main/engine/postgres/local-cluster';
import { createLocalTransport } from '../../src-main/engine/transport/local-transport';
import { openSshTransport } from '../../src-main/engine/transport/ssh-transport';
import type { Transport } from '../../src-main/engine/transport/transport';
import type { TestCluster } from '../support/pg-cluster';
import { startTestSshd, writeMismatchedKnownHosts, writeUnrelatedKnownHosts } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { makeTempDir, removeTempDir } from '../support/temp-dir';
import { startClusterWithSshd } from '../support/cluster-with-sshd';

describe('ssh transport and postgres connections', () => {
  let cluster: TestCluster | undefined;
  let sshd: TestSshd | undefined;
  let transport: Transport | undefined;
  let client: pg.Client | undefined;

  before(async () => {
    ({ cluster, sshd } = await startClusterWithSshd());
  });

  after(async () => {
    await client?.end().catch(() => {});
    await transport?.close().catch(() => {});
    await Promise.allSettled([cluster?.stop(), sshd?.stop()]);
  });

  const openTransport = async (knownHostsFile?: string): Promise<Transport> => {
    assert.ok(sshd);
    return openSshTransport({
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      knownHostsFile: knownHostsFile ?? sshd.knownHostsFile,
      readyTimeoutMs: 10_000,
    });
  };

  it('runs psql on the server through ssh', async () => {
    assert.ok(cluster);
    transport = await openTransport();
    const psql = path.join(cluster.binDir, 'psql');
    const result = await transport.exec(`${psql} -X -h 127.0.0.1 -p ${cluster.port} -U postgres -Atc 'select 1'`);
    assert.equal(result.stderr.toString(), '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout.toString().trim(), '1');
    assert.equal((await transport.exec('whoami')).stdout.toString().trim(), 'postgres');
  });

  it('passes stdin and reports exit codes', async () => {
    assert.ok(transport);
    const echoed = await transport.exec('cat', { stdin: 'hello' });
    assert.equal(echoed.stdout.toString(), 'hello');
    const failed = await transport.exec('echo oops >&2; exit 3');
    assert.equal(failed.code, 3);
    assert.equal(failed.stderr.toString(), 'oops\n');
  });

  it('sees PG_VERSION in the data folder over sftp', async () => {
    assert.ok(cluster && transport);
    const entries = await transport.list(cluster.dataDir);
    const pgVersion = entries.find((entry) => entry.name === 'PG_VERSION');
    assert.ok(pgVersion, `PG_VERSION not in ${entries.map((entry) => entry.name).join(', ')}`);
    assert.equal(pgVersion.type, 'file');
    assert.ok(entries.some((entry) => entry.name === 'base' && entry.type === 'directory'));
    const stat = await transport.stat(path.join(cluster.dataDir, 'PG_VERSION'));
    assert.ok(stat);
    assert.equal(stat.type, 'file');
    assert.equal(stat.size, pgVersion.size);
    assert.equal(await transport.stat(path.join(cluster.dataDir, 'no-such-file')), null);
    const chunks: Buffer[] = [];
    for await (const chunk of await transport.readStream(path.join(cluster.dataDir, 'PG_VERSION'))) chunks.push(chunk as Buffer);
    assert.match(Buffer.concat(chunks).toString(), /^15\n$/);
  });

  it('connects with pg and reads the server facts', async () => {
    assert.ok(cluster);
    client = await connectPostgres(cluster.conninfo, { timeoutMs: 5_000, applicationName: 'barkeep-test' });
    const facts = await describeServer(client);
    assert.match(facts.version, /^15\.\d+$/);
    assert.ok(facts.versionNum >= 150000 && facts.versionNum < 160000);
    assert.equal(facts.isSuperuser, true);
    assert.equal(facts.dataDirectory, cluster.dataDir);
    const controldata = await runAsClusterOwner(path.join(cluster.binDir, 'pg_controldata'), ['-D', cluster.dataDir]);
    const systemId = /Database system identifier:\s+(\d+)/.exec(controldata.stdout)?.[1];
    assert.ok(systemId, controldata.stdout + controldata.stderr);
    assert.match(facts.systemId, /^\d+$/);
    assert.equal(facts.systemId, systemId);
  });

  it('opens a replication session that answers IDENTIFY_SYSTEM', async () => {
    assert.ok(cluster);
    const replication = await connectPostgres(cluster.conninfo, { replication: true });
    try {
      const result = await replication.query('IDENTIFY_SYSTEM');
      assert.equal(String(result.rows[0]?.systemid), (await describeServer(client!)).systemId);
    } finally {
      await replication.end();
    }
  });

  it('reports an unreachable server with host, port and user but no password', async () => {
    assert.ok(cluster);
    const closedPort = cluster.port === 1 ? 2 : 1;
    await assert.rejects(
      connectPostgres(`host=127.0.0.1 port=${closedPort} user=postgres password=hunter2`, { timeoutMs: 2_000 }),
      (error: unknown) => {
        assert.ok(error instanceof EngineError);
        assert.equal(error.code, 'postgres-unreachable');
        assert.match(error.message, new RegExp(`^unable to connect to postgresql at 127\\.0\\.0\\.1:${closedPort} as postgres: `));
        assert.doesNotMatch(`${error.message} ${error.hint}`, /hunter2/);
        assert.ok(error.hint);
        return true;
      },
    );
  });

  it('refuses a server whose host key differs from the pinned one', async () => {
    assert.ok(sshd);
    const wrongKnownHosts = await writeMismatchedKnownHosts(sshd);
    await assert.rejects(openTransport(wrongKnownHosts), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'ssh-host-key-mismatch');
      assert.match(error.message, /does not match the pinned key.*SHA256:/);
      return true;
    });
  });

  it('refuses a server whose host key is not pinned at all', async () => {
    assert.ok(sshd);
    const unrelated = await writeUnrelatedKnownHosts(sshd);
    await assert.rejects(openTransport(unrelated), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.code, 'ssh-host-key-unknown');
      assert.match(error.message, /is not known: the server presented SHA256:[A-Za-z0-9+/]{43}$/);
      assert.match(error.hint ?? '', /\[127\.0\.0\.1\]:\d+ ssh-ed25519 /);
      return true;
    });
    await assert.rejects(openTransport(path.join(sshd.rootDir, 'missing_known_hosts')), { code: 'ssh-host-key-unknown' });
  });

  it('reports a refused key as an authentication failure', async () => {
    assert.ok(sshd);
    await assert.rejects(
      openSshTransport({
        host: sshd.host,
        port: sshd.port,
        username: sshd.username,
        privateKeyPath: path.join(sshd.rootDir, 'ssh_host_ed25519_key'),
        knownHostsFile: sshd.knownHostsFile,
      }),
      { code: 'ssh-auth-failed' },
    );
  });
});

/** Writes a file through a transport, reads it back, and lists it. */
async function checkFileRoundTrip(transport: Transport, dir: string): Promise<void> {
  const file = path.join(dir, 'round-trip.bin');
  const payload = Buffer.alloc(3 * 1024 * 1024 + 17, 'barkeep');
  const { pipeline } = await import('node:stream/promises');
  const { Readable } = await import('node:stream');
  await pipeline(Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]), await transport.writeStream(file, 0o640));
  const stat = await transport.stat(file);
  assert.ok(stat);
  assert.equal(stat.size, payload.length);
  assert.equal(stat.mode, 0o640);
  const chunks: Buffer[] = [];
  for await (const chunk of await transport.readStream(file, { start: 1000 })) chunks.push(chunk as Buffer);
  assert.ok(Buffer.concat(chunks).equals(payload.subarray(1000)));
  assert.deepEqual((await transport.list(dir)).map((entry) => entry.name), ['round-trip.bin']);
  await assert.rejects(transport.readStream(path.join(dir, 'missing')), { code: 'io-failed' });
  await assert.rejects(transport.list(path.join(dir, 'missing')), { code: 'io-failed' });
}

describe('file round trips', () => {
  let sshd: TestSshd | undefined;
  let dir: string | undefined;
  const transports: Transport[] = [];

  before(async () => {
    dir = await makeTempDir('transport', { owner: 'postgres' });
    sshd = await startTestSshd();
  });

  after(async () => {
    await Promise.allSettled(transports.map((transport) => transport.close()));
    await sshd?.stop();
    if (dir) await removeTempDir(dir);
  });

  it('writes, stats, reads and lists files over sftp', async () => {
    assert.ok(sshd && dir);
    const transport = await openSshTransport({
      host: sshd.host, port: sshd.port, username: sshd.username,
      privateKeyPath: sshd.privateKeyPath, knownHostsFile: sshd.knownHostsFile,
    });
    transports.push(transport);
    await checkFileRoundTrip(transport, dir);
    await transport.exec(`rm -f ${dir}/round-trip.bin`);
    const controller = new AbortController();
    const running = transport.exec('sleep 29; echo done', { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(running, { code: 'cancelled' });
    // The signal request reached the command's process group: it is gone, not orphaned.
    const deadline = Date.now() + 3_000;
    let left = '';
    do {
      left = (await transport.exec("pgrep -f 'sleep 2[9]' || true")).stdout.toString().trim();
    } while (left !== '' && Date.now() < deadline);
    assert.equal(left, '');
  });

  it('writes, stats, reads and lists files locally, and runs shell commands', async () => {
    assert.ok(dir);
    const transport = createLocalTransport();
    transports.push(transport);
    await checkFileRoundTrip(transport, dir);
    const result = await transport.exec('read line; echo "got $line"; exit 4', { stdin: 'x\n' });
    assert.deepEqual([result.code, result.stdout.toString()], [4, 'got x\n']);
    const controller = new AbortController();
    const running = transport.exec('sleep 30', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(running, { code: 'cancelled' });
  });
});
