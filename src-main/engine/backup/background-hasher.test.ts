import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { BackgroundHasher, leaseSharedHasher } from './background-hasher';

const sha256 = (...parts: Uint8Array[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-hasher-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A shared block holding a pattern, as the copy blocks hold a stream's bytes. */
function sharedBlock(size: number, seed: number): Buffer {
  const block = Buffer.from(new SharedArrayBuffer(size));
  for (let index = 0; index < size; index++) block[index] = (index * 31 + seed) % 253;
  return block;
}

test('hashes views at any offset of shared blocks, in order over several updates, two files interleaved', async () => {
  const hasher = new BackgroundHasher();
  try {
    const [one, two] = [sharedBlock(1024 * 1024, 1), sharedBlock(300_000, 2)];
    const [a, b] = [hasher.begin(), hasher.begin()];
    const aParts = [one.subarray(17, 70_000), two.subarray(0, 5), one.subarray(500_000)];
    const bParts = [two.subarray(1000, 299_999), one.subarray(0, 1)];
    await Promise.all([
      hasher.update(a, aParts.slice(0, 2)),
      hasher.update(b, [bParts[0]!]),
      hasher.update(a, aParts.slice(2)),
      hasher.update(b, [bParts[1]!]),
    ]);
    assert.equal(await hasher.digest(a), sha256(...aParts));
    assert.equal(await hasher.digest(b), sha256(...bParts));
    assert.equal(await hasher.digest(hasher.begin()), sha256(), 'a file without bytes');
  } finally {
    await hasher.close();
  }
});

test('refuses views of ordinary memory, which the worker cannot read where they are, and still works after', async () => {
  const hasher = new BackgroundHasher();
  try {
    assert.throws(() => hasher.update(hasher.begin(), [Buffer.alloc(10)]), /SharedArrayBuffer/);
    assert.throws(() => hasher.storeFiles([{ path: path.join(root, 'never'), mode: 0o600, mtime: new Date(), views: [Buffer.alloc(10)] }]), /SharedArrayBuffer/);
    assert.equal(existsSync(path.join(root, 'never')), false);
    // The refusals left the thread usable: it still hashes and answers.
    const id = hasher.begin();
    await hasher.update(id, [sharedBlock(4, 6)]);
    assert.equal(await hasher.digest(id), sha256(sharedBlock(4, 6)));
  } finally {
    await hasher.close();
  }
});

test('a stopped hasher rejects pending and later digests; leases share one hasher, and a stopped one is replaced', async () => {
  const first = leaseSharedHasher();
  const second = leaseSharedHasher();
  assert.equal(first.hasher, second.hasher, 'two backups at once share the thread');
  const id = first.hasher.begin();
  await first.hasher.update(id, [sharedBlock(10, 3)]);
  // The digest may come back before the stop, or be rejected by it.
  const pending = first.hasher.digest(id).catch(() => undefined);
  await first.hasher.close();
  await pending;
  await assert.rejects(first.hasher.digest(first.hasher.begin()), /stopped/);
  const third = leaseSharedHasher();
  assert.notEqual(third.hasher, first.hasher, 'a stopped hasher is not handed out again');
  const fresh = third.hasher.begin();
  await third.hasher.update(fresh, [sharedBlock(10, 4)]);
  assert.equal(await third.hasher.digest(fresh), sha256(sharedBlock(10, 4)));
  for (const lease of [first, second, third]) lease.release();
});

test('the thread keeps no process alive: a command that hashed and released its lease exits at once, not after the keeping minute', () => {
  const module = path.join(import.meta.dirname, 'background-hasher.ts');
  const script = `const { leaseSharedHasher } = await import(${JSON.stringify(module)});
    const lease = leaseSharedHasher();
    const id = lease.hasher.begin();
    const block = Buffer.from(new SharedArrayBuffer(3)); block.write('abc');
    await lease.hasher.update(id, [block]);
    console.log(await lease.hasher.digest(id));
    lease.release();`;
  // Well under the minute the released hasher is kept: its thread must not hold the process until then.
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(child.error, undefined, 'the process did not exit on its own');
  assert.equal(child.status, 0, child.stderr);
  // The digest arrives before the process exits: a thread that is unreferenced too early would end it first.
  assert.equal(child.stdout.trim(), sha256(Buffer.from('abc')));
});

test('stores whole files from shared views (bytes, mode, mtime) with their SHA-256; the first failed syscall stops the batch', async () => {
  const hasher = new BackgroundHasher();
  try {
    const block = sharedBlock(200_000, 5);
    const mtime = new Date('2024-03-01T12:00:00Z');
    const files = [
      { path: path.join(root, 'two-parts'), mode: 0o640, mtime, views: [block.subarray(0, 1000), block.subarray(150_000)] },
      { path: path.join(root, 'empty'), mode: 0o600, mtime, views: [] },
    ];
    const sha256s = await hasher.storeFiles(files);
    assert.deepEqual(sha256s, [sha256(block.subarray(0, 1000), block.subarray(150_000)), sha256()]);
    assert.ok(readFileSync(files[0]!.path).equals(Buffer.concat([block.subarray(0, 1000), block.subarray(150_000)])));
    assert.equal(statSync(files[0]!.path).mode & 0o777, 0o640);
    assert.equal(statSync(files[0]!.path).mtime.getTime(), mtime.getTime());
    assert.equal(statSync(files[1]!.path).size, 0);

    // An existing path (say, still linked to an older backup) is never written into.
    const existing = path.join(root, 'existing');
    writeFileSync(existing, 'old bytes');
    const later = path.join(root, 'after-the-failure');
    await assert.rejects(hasher.storeFiles([{ path: existing, mode: 0o600, mtime, views: [block.subarray(0, 10)] }, { path: later, mode: 0o600, mtime, views: [] }]),
      (error: NodeJS.ErrnoException) => error.code === 'EEXIST' && error.syscall === 'open' && error.path === existing);
    assert.equal(readFileSync(existing, 'utf8'), 'old bytes');
    assert.equal(existsSync(later), false);
  } finally {
    await hasher.close();
  }
});

test('hard-links on the thread: each link made shares the source inode, each failure comes back with its code, the others still made; a raised stop flag ends it', async () => {
  const hasher = new BackgroundHasher();
  try {
    const source = path.join(root, 'link-source');
    writeFileSync(source, 'kept bytes');
    const taken = path.join(root, 'link-taken');
    writeFileSync(taken, 'other bytes');
    const pairs = [
      [source, path.join(root, 'link-one')],
      [path.join(root, 'no-such-source'), path.join(root, 'link-missing')],
      [source, taken],
      [source, path.join(root, 'link-two')],
    ] as const;
    const failures = await hasher.linkFiles(pairs);
    assert.equal(failures[0], null);
    assert.equal(failures[1]?.code, 'ENOENT');
    assert.equal(failures[2]?.code, 'EEXIST');
    assert.equal(failures[3], null);
    for (const made of [pairs[0][1], pairs[3][1]]) assert.equal(statSync(made).ino, statSync(source).ino);
    assert.equal(existsSync(pairs[1][1]), false);
    assert.equal(readFileSync(taken, 'utf8'), 'other bytes');
    // A raised stop flag: nothing more is linked, and the answer says how far it got (nowhere).
    const stop = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(stop, 0, 1);
    assert.deepEqual(await hasher.linkFiles([[source, path.join(root, 'link-stopped')]], stop), []);
    assert.equal(existsSync(path.join(root, 'link-stopped')), false);
    assert.throws(() => hasher.linkFiles([], new Int32Array(1)), /shared memory/);
    await hasher.close();
    await assert.rejects(hasher.linkFiles([[source, path.join(root, 'link-after-close')]]), /stopped/);
  } finally {
    await hasher.close();
  }
});
