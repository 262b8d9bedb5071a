import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { createLocalTransport } from '../transport/local-transport';
import type { Transport } from '../transport/transport';
import { remoteExtractCommand } from './remote-dest';
import { packEntries, packPlannedWal, stopWhenAbandoned, streamIntoRemote } from './remote-tar';

test('packPlannedWal writes a ustar archive that GNU tar extracts byte for byte', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-remote-tar-'));
  try {
    const wals = path.join(root, 'wals');
    mkdirSync(path.join(wals, '0000000100000000'), { recursive: true });
    const segment = Buffer.alloc(1000, 7);
    writeFileSync(path.join(wals, '0000000100000000', '000000010000000000000003'), segment);
    writeFileSync(path.join(wals, '00000002.history'), '1\t0/3000000\tno recovery target specified\n');
    const source = packPlannedWal(wals, ['00000002.history', '000000010000000000000003']);
    const archive = await buffer(source.stream);
    await source.done;
    assert.equal(archive.length % 512, 0);
    const out = path.join(root, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-C', out, '-xf', '-'], { input: archive });
    assert.deepEqual(readFileSync(path.join(out, '000000010000000000000003')), segment);
    assert.match(readFileSync(path.join(out, '00000002.history'), 'utf8'), /^1\t0\/3000000/);
    assert.equal(statSync(path.join(out, '00000002.history')).mode & 0o777, 0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('packPlannedWal fails when a planned file is gone', async () => {
  const source = packPlannedWal('/nonexistent-barkeep-wals', ['000000010000000000000003']);
  await assert.rejects(buffer(source.stream), /wal file 000000010000000000000003 disappeared/);
  await assert.rejects(source.done, /disappeared/);
});

test('packEntries packs exactly the listed names, in order, a folder without its content, any character in a name', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-pack-entries-'));
  try {
    const source = path.join(root, 'source');
    mkdirSync(path.join(source, 'sub'), { recursive: true });
    writeFileSync(path.join(source, 'sub', 'inner'), 'not listed');
    writeFileSync(path.join(source, '-v'), 'dash');
    writeFileSync(path.join(source, 'new\nline'), 'newline');
    writeFileSync(path.join(source, 'sp ace'), 'not listed');
    const packed = packEntries(source, ['sub', '-v', 'new\nline']);
    const archive = await buffer(packed.stream);
    await packed.done;
    const listed = execFileSync('tar', ['--quoting-style=escape', '-tf', '-'], { input: archive, encoding: 'utf8' });
    assert.equal(listed, 'sub/\n-v\nnew\\nline\n');
    const out = path.join(root, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-C', out, '-xf', '-'], { input: archive });
    assert.deepEqual(readdirSync(out).sort(), ['-v', 'new\nline', 'sub']);
    assert.deepEqual(readdirSync(path.join(out, 'sub')), []);
    assert.equal(readFileSync(path.join(out, '-v'), 'utf8'), 'dash');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('packEntries keeps a small archive whose tar exited before anyone read it', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-pack-late-'));
  try {
    writeFileSync(path.join(root, 'a'), 'late reader');
    const packed = packEntries(root, ['a']);
    await packed.done;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const archive = await buffer(packed.stream);
    assert.equal(archive.length, 10240);
    assert.equal(execFileSync('tar', ['-xOf', '-', 'a'], { input: archive, encoding: 'utf8' }), 'late reader');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('packEntries fails when a listed file is missing', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-pack-missing-'));
  try {
    const packed = packEntries(root, ['gone']);
    await buffer(packed.stream);
    await assert.rejects(packed.done, /the local tar of '.*' failed \(exit 2\): .*gone/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('streamIntoRemote into remoteExtractCommand (through /bin/sh here): folder made 0700, files there, the pid seen and forgotten at exit', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-stream-into-'));
  try {
    const source = path.join(root, 'source');
    mkdirSync(path.join(source, 'base'), { recursive: true });
    writeFileSync(path.join(source, 'base', 'a'), Buffer.alloc(3000, 1));
    const target = path.join(root, "it's new", 'data');
    const added: number[] = [];
    const running = new Set<number>();
    const track = running.add.bind(running);
    running.add = (pid: number) => {
      added.push(pid);
      return track(pid);
    };
    let reported = 0;
    const sent = await streamIntoRemote(createLocalTransport(), remoteExtractCommand(target, true), packEntries(source, ['base', 'base/a']),
      { what: 'test', signal: new AbortController().signal, onBytes: (bytes) => { reported = bytes; }, running });
    // two headers, 3000 bytes padded to 3072, the end blocks, padded to tar's 10240-byte record
    assert.equal(sent, 10240);
    assert.equal(reported, sent);
    assert.deepEqual(readFileSync(path.join(target, 'base', 'a')), Buffer.alloc(3000, 1));
    assert.equal(statSync(target).mode & 0o777, 0o700);
    assert.equal(added.length, 1);
    assert.ok(added[0]! > 1);
    assert.equal(running.size, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('streamIntoRemote reports a failing remote tar with its message', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-stream-fail-'));
  try {
    writeFileSync(path.join(root, 'a'), 'x');
    const missing = path.join(root, 'no', 'such');
    await assert.rejects(
      streamIntoRemote(createLocalTransport(), remoteExtractCommand(missing, false), packEntries(root, ['a']),
        { what: 'unpacking into the missing folder', signal: new AbortController().signal, onBytes: () => undefined }),
      (error: Error) => /^unpacking into the missing folder failed on local \(exit 2\): tar: .*no\/such/.test(error.message));
    assert.ok(!existsSync(missing));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('streamIntoRemote: a remote tar that exits 0 at the end blocks, its stdin closing under the last write, is a success', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-stream-exit-'));
  try {
    writeFileSync(path.join(root, 'a'), Buffer.alloc(5000, 2));
    let received = 0;
    let exit!: (status: { code: number; signal: string | null }) => void;
    // GNU tar stops reading at the end blocks: the write holding them (and the record's padding after them) is
    // never acknowledged, and the process's exit closes the stdin under it.
    const stdin: Writable = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received < 10240) {
          callback();
          return;
        }
        setImmediate(() => {
          stdin.destroy();
          exit({ code: 0, signal: null });
        });
      },
    });
    const transport = {
      description: 'a host whose tar exits early',
      execStream: async () => ({ stdin, stdout: Readable.from([]), stderr: Readable.from([]), done: new Promise<{ code: number; signal: string | null }>((resolve) => { exit = resolve; }) }),
    } as unknown as Transport;
    const sent = await streamIntoRemote(transport, 'tar -xf -', packEntries(root, ['a']), { what: 'test', signal: new AbortController().signal, onBytes: () => undefined });
    assert.equal(sent, 10240);
    assert.equal(received, sent);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A child's exit as `sh -c script` ends it, once its stream (piped like packEntries') is closed after the first chunk. */
async function abandonAfterFirstChunk(script: string, graceMs: number): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const stream = new PassThrough();
  child.stdout!.pipe(stream);
  stopWhenAbandoned(child, stream, graceMs);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve) => stream.once('data', () => resolve()));
  const started = performance.now();
  stream.destroy();
  const status = await exited;
  return { ...status, ms: performance.now() - started };
}

test('stopWhenAbandoned: a producer that wrote everything exits by itself, with its own status', async () => {
  const status = await abandonAfterFirstChunk('printf abc; sleep 0.3; exit 0', 10_000);
  assert.equal(status.signal, null);
  assert.equal(status.code, 0);
});

test('stopWhenAbandoned: a producer with more to write ends at the closed pipe, long before the grace period', async () => {
  const status = await abandonAfterFirstChunk('while :; do printf xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done', 10_000);
  assert.ok(status.code !== 0, `ended with ${JSON.stringify(status)}`);
  assert.ok(status.ms < 5_000, `took ${status.ms} ms`);
});

test('stopWhenAbandoned: a producer that neither writes nor exits is stopped after the grace period', async () => {
  const status = await abandonAfterFirstChunk('printf a; exec sleep 30', 200);
  assert.equal(status.signal, 'SIGTERM');
  assert.ok(status.ms >= 150, `stopped after ${status.ms} ms`);
});
