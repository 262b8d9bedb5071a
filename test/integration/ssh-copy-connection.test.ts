/**
 * The copy connection (reads into a kept ring) through the real sshd, with
 * sshd re-exchanging keys every 4 MB: streams of random bytes arrive intact
 * while a rekey's packets and the data before and after it pass through the
 * same ring; two commands at once, holds in the middle, and the ring kept;
 * tar streams stored from held views of a ring far smaller than what the disk
 * has yet to write.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchFiles } from '../../src-main/engine/backup/rsync/tar-fetch';
import type { RemoteEntry } from '../../src-main/engine/backup/rsync/remote-listing';
import { openSshCopyConnection } from '../../src-main/engine/transport/ssh-copy-connection';
import type { CopyConnection } from '../../src-main/engine/transport/ssh-copy-connection';
import type { CommandStreams } from '../../src-main/engine/transport/transport';
import { startTestSshd } from '../support/sshd';
import type { TestSshd } from '../support/sshd';
import { makeTempDir, removeTempDir } from '../support/temp-dir';

describe('ssh copy connection', () => {
  let sshd: TestSshd | undefined;
  let folder = '';
  const files: { path: string; sha256: string; size: number }[] = [];

  before(async () => {
    sshd = await startTestSshd({ rekeyLimit: '4M' });
    folder = await makeTempDir('copy-connection');
    // The ssh user (postgres) reads these.
    await chmod(folder, 0o755);
    for (const [index, size] of [40 * 1024 * 1024, 24 * 1024 * 1024 + 4099].entries()) {
      const content = randomBytes(size);
      const file = path.join(folder, `random-${index}`);
      await writeFile(file, content, { mode: 0o644 });
      files.push({ path: file, sha256: createHash('sha256').update(content).digest('hex'), size });
    }
  });

  after(async () => {
    await sshd?.stop();
    await removeTempDir(folder);
  });

  /** The test's files as the listing would give them, each stored under its own name in the backup. */
  const entries = (): RemoteEntry[] => files.map((file) => ({
    backupPath: path.basename(file.path), remotePath: file.path, type: 'file', size: file.size, mtime: new Date(0), mode: 0o644, linkTarget: null,
  }));

  const open = (ring?: { ringBytes: number; readBytes: number }): Promise<CopyConnection> => {
    assert.ok(sshd);
    return openSshCopyConnection({
      host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, knownHostsFile: sshd.knownHostsFile,
    }, ring);
  };

  /** Runs `cat file`, hashing each chunk during its call; holds the command for 30 ms every `holdEvery` bytes. */
  const catAndHash = async (connection: CommandStreams, file: string, holdEvery: number): Promise<{ sha256: string; bytes: number }> => {
    const remote = await connection.execStream(`cat ${file}`);
    remote.stdin.end();
    const hash = createHash('sha256');
    let bytes = 0;
    let nextHold = holdEvery;
    remote.stdout.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (bytes >= nextHold) {
        nextHold += holdEvery;
        const release = remote.hold();
        setTimeout(release, 30);
      }
    });
    const ended = new Promise((resolve) => remote.stdout.once('end', resolve));
    const exit = await remote.done;
    await ended;
    assert.equal(exit.code, 0);
    return { sha256: hash.digest('hex'), bytes };
  };

  it('two streams at once arrive byte for byte across key re-exchanges and holds, in one ring', async () => {
    const connection = await open();
    try {
      const [first, second] = await Promise.all([
        catAndHash(connection, files[0]!.path, 5 * 1024 * 1024),
        catAndHash(connection, files[1]!.path, 3 * 1024 * 1024),
      ]);
      assert.deepEqual(first, { sha256: files[0]!.sha256, bytes: files[0]!.size });
      assert.deepEqual(second, { sha256: files[1]!.sha256, bytes: files[1]!.size });
      // 64 MB at a rekey every 4 MB each way.
      assert.ok(connection.rekeys >= 8, `${connection.rekeys} key re-exchanges`);
      // Consumers that read each chunk during its call leave nothing buffered: the ring is kept
      // (at most the first chunks of a command, pushed before its 'data' listener, retire one).
      assert.ok(connection.ringsRetired <= 2, `${connection.ringsRetired} rings retired`);
    } finally {
      await connection.close();
    }
  });

  it('a ring barely larger than its reads still delivers every byte', async () => {
    const connection = await open({ ringBytes: 4 * 32 * 1024, readBytes: 32 * 1024 });
    try {
      const result = await catAndHash(connection, files[1]!.path, 2 * 1024 * 1024);
      assert.deepEqual(result, { sha256: files[1]!.sha256, bytes: files[1]!.size });
      assert.ok(connection.rekeys >= 4, `${connection.rekeys} key re-exchanges`);
    } finally {
      await connection.close();
    }
  });

  it('a consumer that pauses stdout instead of holding gets intact bytes: the ring is retired under it', async () => {
    const connection = await open({ ringBytes: 512 * 1024, readBytes: 64 * 1024 });
    try {
      const remote = await connection.execStream(`cat ${files[1]!.path}`);
      remote.stdin.end();
      const hash = createHash('sha256');
      let bytes = 0;
      remote.stdout.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        if (bytes % 7 === 0 || bytes < 4 * 1024 * 1024) return;
        remote.stdout.pause();
        setTimeout(() => remote.stdout.resume(), 5);
      });
      await new Promise((resolve) => remote.stdout.once('end', resolve));
      await remote.done;
      assert.equal(hash.digest('hex'), files[1]!.sha256);
      assert.ok(connection.ringsRetired > 0, 'paused chunks retired the ring');
    } finally {
      await connection.close();
    }
  });

  it('exec collects a command\'s whole output intact while a stream runs beside it, though both arrive through one ring of reused reads', async () => {
    const connection = await open({ ringBytes: 1024 * 1024, readBytes: 64 * 1024 });
    try {
      const [collected, streamed] = await Promise.all([
        connection.exec(`cat ${files[1]!.path}; echo done >&2`),
        catAndHash(connection, files[0]!.path, 4 * 1024 * 1024),
      ]);
      assert.equal(collected.code, 0);
      assert.equal(createHash('sha256').update(collected.stdout).digest('hex'), files[1]!.sha256);
      assert.equal(collected.stderr.toString('utf8'), 'done\n');
      assert.deepEqual(streamed, { sha256: files[0]!.sha256, bytes: files[0]!.size });
    } finally {
      await connection.close();
    }
  });

  it('tar streams store files from held views of a ring much smaller than the writes in flight: every stored file equals its source', async () => {
    // 512 KiB of ring against a write pool that holds up to 32 MiB: the ring is set aside and taken up again all along.
    const connection = await open({ ringBytes: 512 * 1024, readBytes: 64 * 1024 });
    const dataFolder = path.join(folder, 'stored');
    await mkdir(dataFolder);
    try {
      const two = [...entries(), ...entries()].map((entry, index) => ({ ...entry, backupPath: `${index}-${entry.backupPath}` }));
      const fetched = new Map<string, string>();
      // Two streams at once through the one ring, as parallel_jobs = 2 does.
      await Promise.all([two.slice(0, 2), two.slice(2)].map((list) => fetchFiles(connection, list, {
        dataFolder, compress: 'off', signal: new AbortController().signal, onBytes: () => {}, onFile: (file) => fetched.set(file.entry.backupPath, file.sha256),
      })));
      assert.equal(fetched.size, 4);
      for (const entry of two) {
        const source = files.find((file) => file.path === entry.remotePath)!;
        assert.equal(fetched.get(entry.backupPath), source.sha256, `${entry.backupPath}: the hash of what arrived`);
        const stored = await readFile(path.join(dataFolder, entry.backupPath));
        assert.equal(createHash('sha256').update(stored).digest('hex'), source.sha256, `${entry.backupPath}: what is on disk`);
      }
      assert.equal(connection.ringsRetired, 0, 'no chunk stayed buffered');
    } finally {
      await connection.close();
    }
  });
});
