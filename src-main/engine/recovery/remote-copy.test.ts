import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { createLocalTransport } from '../transport/local-transport';
import { copyIntoRemote, type RemoteCopyInput } from './remote-copy';
import { listRestoreRoots } from './restore-file-list';

// The "remote" host is this one (commands through /bin/sh): the same shell text and tar streams as over SSH.

function makeBackup(root: string): { data: string; sizes: Map<string, number> } {
  const data = path.join(root, 'store', 'data');
  const sizes = new Map<string, number>();
  const write = (name: string, size: number): void => {
    mkdirSync(path.dirname(path.join(data, name)), { recursive: true });
    writeFileSync(path.join(data, name), Buffer.alloc(size, name.length));
    sizes.set(name, size);
  };
  write('PG_VERSION', 3);
  for (let i = 0; i < 20; i++) write(`base/1/${1000 + i}`, 4096 * (i + 1));
  write('base/1/big', 3 * 1024 * 1024);
  write('pg_tblspc/16390/PG_15_x/1/2000', 200_000);
  write('pg_tblspc/16390/PG_15_x/1/2001', 0);
  mkdirSync(path.join(data, 'pg_wal'));
  return { data, sizes };
}

const space = (target: string) => ({ oid: 16390, name: 'fast', original: '/pg/fast', target, mapped: true });

async function inputFor(root: string, signal: AbortSignal, changes: Partial<RemoteCopyInput> = {}): Promise<RemoteCopyInput> {
  const { data } = makeBackup(root);
  const dest = path.join(root, 'remote', 'data');
  const tablespaces = [space(path.join(root, 'remote', 'fast'))];
  return {
    transport: createLocalTransport(), roots: await listRestoreRoots(data, dest, tablespaces), tablespaces, streams: 3, walsDirectory: '/nonexistent',
    walNames: [], walFolder: path.join(dest, 'barkeep_wal'), signal, running: new Set(), onProgress: () => undefined, log: () => undefined, ...changes,
  };
}

test('copyIntoRemote: trees made 0700, files in 3 streams byte for byte, the tablespace in its folder and linked from pg_tblspc', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-remote-copy-'));
  try {
    const logs: string[] = [];
    const phases = new Set<string>();
    const input = await inputFor(root, new AbortController().signal, { log: (message) => logs.push(message), onProgress: (_bytes, phase) => phases.add(phase) });
    const copied = await copyIntoRemote(input);
    const { sizes } = makeBackup(path.join(root, 'again'));
    const dest = path.join(root, 'remote', 'data');
    const fast = path.join(root, 'remote', 'fast');
    for (const [name, size] of sizes) {
      const where = name.startsWith('pg_tblspc/16390/') ? path.join(fast, name.slice('pg_tblspc/16390/'.length)) : path.join(dest, name);
      assert.deepEqual(readFileSync(where), Buffer.alloc(size, name.length), name);
    }
    assert.ok(lstatSync(path.join(dest, 'pg_tblspc', '16390')).isSymbolicLink());
    assert.equal(readlinkSync(path.join(dest, 'pg_tblspc', '16390')), fast);
    assert.ok(statSync(path.join(dest, 'pg_wal')).isDirectory());
    assert.equal(statSync(dest).mode & 0o777, 0o700);
    assert.equal(statSync(fast).mode & 0o777, 0o700);
    // 24 files; bytes 3 + 4096 × (1 + … + 20) + 3 MiB + 200000 = 3 + 860160 + 3145728 + 200000
    assert.deepEqual(logs, ['copying 24 files (4.0 MiB) in 3 parallel streams']);
    assert.ok(copied.dataBytes > 3 + 860_160 + 3_145_728 + 200_000, 'tar framing on top of the file bytes');
    assert.equal(copied.walBytes, 0);
    assert.deepEqual([...phases], ['copying data']);
    assert.equal(input.running.size, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('copyIntoRemote: a cancel during the streams stops them all and says the restore was cancelled', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-remote-cancel-'));
  try {
    const controller = new AbortController();
    const input = await inputFor(root, controller.signal, { onProgress: () => controller.abort() });
    await assert.rejects(copyIntoRemote(input), (error: unknown) => error instanceof EngineError && error.code === 'cancelled' && error.message === 'the restore was cancelled');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('copyIntoRemote: the stream that failed first is the error, not the stops it caused', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-remote-fail-'));
  try {
    const input = await inputFor(root, new AbortController().signal);
    // A file listed but gone from the store: the local tar of its stream fails.
    const roots = input.roots.map((tree) => ({ ...tree, files: [...tree.files] }));
    roots[0]!.files.push({ root: 0, name: 'base/1/vanished', size: 10 * 1024 * 1024 });
    await assert.rejects(copyIntoRemote({ ...input, roots }),
      (error: unknown) => error instanceof EngineError && error.code === 'io-failed' && /^the local tar of '.*store\/data' failed \(exit 2\): .*vanished/.test(error.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
