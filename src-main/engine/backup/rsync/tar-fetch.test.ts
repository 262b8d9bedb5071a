import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { createLocalTransport } from '../../transport/local-transport';
import type { CommandStreams } from '../../transport/transport';
import { hashRemoteFiles } from './remote-checksum';
import type { RemoteEntry } from './remote-listing';
import { buildTarCommand, chooseWireCompression, classifyTarErrors, fetchFiles } from './tar-fetch';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-tar-fetch-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A source folder standing in for the remote data folder (the local transport runs the same commands). */
function makeSource(files: Record<string, string>): { source: string; entries: RemoteEntry[] } {
  const source = mkdtempSync(path.join(root, 'source-'));
  const entries = Object.entries(files).map(([name, content]) => {
    mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    writeFileSync(path.join(source, name), content);
    return {
      backupPath: name, remotePath: path.join(source, name), type: 'file' as const, size: content.length,
      mtime: statSync(path.join(source, name)).mtime, mode: 0o600, linkTarget: null,
    };
  });
  return { source, entries };
}

function destinationFor(entries: RemoteEntry[]): string {
  const dest = mkdtempSync(path.join(root, 'dest-'));
  for (const entry of entries) mkdirSync(path.dirname(path.join(dest, entry.backupPath)), { recursive: true });
  return dest;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

for (const compress of ['off', 'gzip', 'zstd'] as const) {
  test(`fetches files through a tar stream${compress === 'off' ? '' : `, ${compress} on the wire`}, with checksums`, async () => {
    const { entries } = makeSource({ PG_VERSION: '15\n', 'base/5/1259': 'x'.repeat(70_000), 'base/5/empty': '' });
    const dataFolder = destinationFor(entries);
    let bytes = 0;
    const seen: string[] = [];
    const result = await fetchFiles(createLocalTransport(), entries, {
      dataFolder, compress, signal: new AbortController().signal, onBytes: (count) => { bytes += count; }, onFile: (file) => seen.push(file.entry.backupPath),
    });
    assert.deepEqual(seen.sort(), ['PG_VERSION', 'base/5/1259', 'base/5/empty']);
    assert.equal(bytes, 70_003);
    assert.deepEqual(result.vanished, []);
    assert.ok(compress !== 'off' ? result.wireBytes < 7_000 : result.wireBytes > 70_003, `${result.wireBytes} bytes on the wire`);
    const byPath = new Map(result.files.map((file) => [file.entry.backupPath, file]));
    assert.equal(byPath.get('base/5/1259')?.sha256, sha256('x'.repeat(70_000)));
    assert.equal(byPath.get('base/5/empty')?.size, 0);
    assert.equal(readFileSync(path.join(dataFolder, 'PG_VERSION'), 'utf8'), '15\n');
  });
}

test('a file that vanished before tar reached it is reported, not an error', async () => {
  const { entries } = makeSource({ kept: 'k' });
  const gone: RemoteEntry = { ...entries[0]!, backupPath: 'gone', remotePath: path.join(path.dirname(entries[0]!.remotePath), 'gone') };
  const dataFolder = destinationFor(entries);
  const result = await fetchFiles(createLocalTransport(), [...entries, gone], {
    dataFolder, compress: 'off', signal: new AbortController().signal, onBytes: () => {}, onFile: () => {},
  });
  assert.deepEqual(result.vanished.map((entry) => entry.backupPath), ['gone']);
  assert.deepEqual(result.files.map((file) => file.entry.backupPath), ['kept']);
});

test('an unreadable file fails the copy with what tar said', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, async () => {
  const { entries } = makeSource({ secret: 's' });
  const { chmodSync } = await import('node:fs');
  chmodSync(entries[0]!.remotePath, 0o000);
  await assert.rejects(
    fetchFiles(createLocalTransport(), entries, { dataFolder: destinationFor(entries), compress: 'off', signal: new AbortController().signal, onBytes: () => {}, onFile: () => {} }),
    /Permission denied/,
  );
});

test('hashRemoteFiles hashes on the other side; missing files are absent', async () => {
  const { entries } = makeSource({ a: 'alpha', 'dir/with space': 'beta' });
  const missing: RemoteEntry = { ...entries[0]!, remotePath: `${entries[0]!.remotePath}.missing` };
  const result = await hashRemoteFiles(createLocalTransport(), [...entries, missing], new AbortController().signal);
  assert.equal(result.unavailable, null);
  assert.equal(result.byPath.get(entries[0]!.remotePath), sha256('alpha'));
  assert.equal(result.byPath.get(entries[1]!.remotePath), sha256('beta'));
  assert.equal(result.byPath.has(missing.remotePath), false);
});

test("tar's complaints about a running server are sorted from real errors", () => {
  const stderr = [
    'tar: pgdata/base/5/16400: Cannot stat: No such file or directory',
    'tar: pgdata/base/5/16401: File removed before we read it',
    'tar: pgdata/base/5/1259: file changed as we read it',
    'tar: pgdata/base/5/2619: File shrank by 8192 bytes; padding with zeros',
    "tar: Removing leading `/' from member names",
    'tar: pgdata/base/5/secret: Cannot open: Permission denied',
    'tar: Exiting with failure status due to previous errors',
    '',
  ].join('\n');
  const result = classifyTarErrors(stderr);
  assert.deepEqual([...result.vanished], ['pgdata/base/5/16400', 'pgdata/base/5/16401']);
  assert.deepEqual([...result.changed], ['pgdata/base/5/1259', 'pgdata/base/5/2619']);
  assert.deepEqual(result.errors, ['pgdata/base/5/secret: Cannot open: Permission denied']);
});

test('the remote command reads names from stdin and compresses only when asked', () => {
  assert.match(buildTarCommand('off'), /^LC_ALL=C tar -C \/ --null --no-recursion .* -T - -cf -$/);
  assert.match(buildTarCommand('gzip'), /-cf - \| gzip -1$/);
  assert.match(buildTarCommand('zstd'), /-cf - \| zstd -1 -q -c$/);
});

/** A stand-in connection whose command sends `head` of an archive, then closes its output without an end. */
function cutShortConnection(head: Buffer): CommandStreams {
  return {
    description: 'stand-in',
    close: async () => {},
    execStream: async () => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const stdin = new PassThrough();
      stdin.resume();
      setImmediate(() => {
        stdout.write(head);
        setImmediate(() => stdout.destroy());
        stderr.end();
      });
      return { stdin, stdout, stderr, done: new Promise((resolve) => stdout.once('close', () => resolve({ code: -1, signal: 'KILL' }))), hold: () => () => {} };
    },
  };
}

for (const compress of ['off', 'gzip', 'zstd'] as const) {
  test(`output that closes before its end fails the copy instead of waiting forever${compress === 'off' ? '' : ` (${compress} on the wire)`}`, async () => {
    const { source, entries } = makeSource({ big: 'x'.repeat(100_000) });
    const archive = execFileSync('sh', ['-c', `tar -C / -cf - ${entries[0]!.remotePath.slice(1)}${compress === 'off' ? '' : ` | ${compress} -1 -c`}`]);
    assert.ok(source);
    await assert.rejects(
      fetchFiles(cutShortConnection(archive.subarray(0, Math.floor(archive.length / 2))), entries, {
        dataFolder: destinationFor(entries), compress, signal: new AbortController().signal, onBytes: () => {}, onFile: () => {},
      }),
      (error: Error) => /closed before its end|premature close/i.test(error.message),
    );
  });
}

test('network compression is zstd where the server has it, else gzip', async () => {
  const signal = new AbortController().signal;
  const answering = (code: number) => ({
    exec: async (command: string) => {
      assert.equal(command, 'command -v zstd');
      return { code, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
    },
  });
  assert.equal(await chooseWireCompression(answering(0), signal), 'zstd');
  assert.equal(await chooseWireCompression(answering(1), signal), 'gzip');
  // This machine has zstd (the install script sees to it), asked through a real shell.
  assert.equal(await chooseWireCompression(createLocalTransport(), signal), 'zstd');
});
