import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { BackgroundHasher, leaseSharedHasher } from '../background-hasher';
import { createTarExtractor, createTarExtractorStream, readNumber } from './tar-extract';
import type { ExtractedFile } from './tar-extract';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-tar-extract-'));
const hashing = leaseSharedHasher();
after(() => {
  hashing.release();
  rmSync(root, { recursive: true, force: true });
});

/** A GNU tar archive (the format remote `tar -cf -` writes) of files made here. */
function makeArchive(files: Record<string, Buffer>, format = 'gnu'): Buffer {
  const source = mkdtempSync(path.join(root, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    writeFileSync(path.join(source, name), content);
  }
  const result = spawnSync('tar', ['-C', source, `--format=${format}`, '--null', '--no-recursion', '-T', '-', '-cf', '-'], {
    input: Object.keys(files).map((name) => `${name}\0`).join(''),
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}

/** Feeds the archive in chunks of the given size and collects what was extracted. */
async function extract(archive: Buffer, chunkSize: number, targetFor: (name: string) => string | null): Promise<ExtractedFile[]> {
  const files: ExtractedFile[] = [];
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < archive.length; offset += chunkSize) chunks.push(archive.subarray(offset, offset + chunkSize));
  const mtime = new Date('2024-05-01T10:00:00Z');
  await pipeline(Readable.from(chunks), createTarExtractorStream({
    hasher: hashing.hasher,
    locate: (name) => {
      const localPath = targetFor(name);
      return localPath ? { localPath, mode: 0o600, mtime } : null;
    },
    onFile: (file) => files.push(file),
  }));
  return files;
}

const sha256 = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

test('extracts files of every size, long names included, whatever the chunking', async () => {
  const longName = `base/16384/${'x'.repeat(150)}/deep/file`;
  const content: Record<string, Buffer> = {
    'PG_VERSION': Buffer.from('15\n'),
    'empty': Buffer.alloc(0),
    'exactly-one-block': Buffer.alloc(512, 7),
    'global/pg_control': Buffer.alloc(8192, 3),
    [longName]: Buffer.from('long'),
    'big': Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 251)),
  };
  const archive = makeArchive(content);
  for (const chunkSize of [511, 4096, 65536, archive.length]) {
    const dest = mkdtempSync(path.join(root, 'dest-'));
    const files = await extract(archive, chunkSize, (name) => path.join(dest, name.replace(/\//g, '__')));
    assert.deepEqual(files.map((file) => file.name).sort(), Object.keys(content).sort(), `chunk ${chunkSize}`);
    for (const file of files) {
      const expected = content[file.name]!;
      assert.equal(file.size, expected.length, file.name);
      assert.equal(file.sha256, sha256(expected), file.name);
      assert.deepEqual(readFileSync(file.localPath), expected, file.name);
      assert.equal(statSync(file.localPath).mtime.toISOString(), '2024-05-01T10:00:00.000Z');
      assert.equal(statSync(file.localPath).mode & 0o777, 0o600);
    }
  }
});

test('one byte at a time through headers and small files', async () => {
  const content = { a: Buffer.from('alpha'), b: Buffer.alloc(1000, 1), [`${'n'.repeat(120)}`]: Buffer.from('z') };
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const files = await extract(makeArchive(content), 1, (name) => path.join(dest, name));
  assert.equal(files.length, 3);
  assert.equal(readFileSync(path.join(dest, 'b')).length, 1000);
});

test('pax archives (long names in x headers) work too', async () => {
  const name = `dir/${'p'.repeat(200)}`;
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const files = await extract(makeArchive({ [name]: Buffer.from('pax') }, 'pax'), 4096, () => path.join(dest, 'one'));
  assert.equal(files[0]?.name, name);
  assert.equal(readFileSync(path.join(dest, 'one'), 'utf8'), 'pax');
});

test('members the caller does not want are skipped', async () => {
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const files = await extract(makeArchive({ keep: Buffer.from('k'), drop: Buffer.alloc(2000, 2) }), 700, (name) => (name === 'keep' ? path.join(dest, name) : null));
  assert.deepEqual(files.map((file) => file.name), ['keep']);
});

test('a truncated archive or a corrupt header fails', async () => {
  const archive = makeArchive({ file: Buffer.alloc(5000, 9) });
  const dest = mkdtempSync(path.join(root, 'dest-'));
  await assert.rejects(extract(archive.subarray(0, 2048), 512, (name) => path.join(dest, name)), /ended inside member 'file'/);
  const corrupt = Buffer.from(archive);
  corrupt[0] = 0x41;
  await assert.rejects(extract(corrupt, 512, (name) => path.join(dest, name)), /checksum mismatch/);
});

test('readNumber reads octal and GNU base-256 numbers', () => {
  const block = Buffer.alloc(24);
  block.write('00000001750\0', 0, 'latin1');
  assert.equal(readNumber(block, 0, 12), 0o1750);
  block.fill(0, 12);
  block[12] = 0x80;
  block.writeUIntBE(10 * 1024 ** 3, 18, 6);
  assert.equal(readNumber(block, 12, 12), 10 * 1024 ** 3);
});

test('files above 256 KiB go through the write pool in positional pieces, landing byte for byte with the same SHA-256', async () => {
  // 256 KiB writes, several at once: an unaligned size leaves a partial last piece; 'at-limit' is still written whole
  const large = Buffer.alloc(17 * 1024 * 1024 + 12345);
  for (let index = 0; index < large.length; index += 4096) large.writeUInt32LE(index * 2654435761 >>> 0, index);
  const archive = makeArchive({
    'base/1/16384': large, 'base/1/16385': Buffer.from('small'), 'base/1/16386': large.subarray(0, 16 * 1024 * 1024),
    'base/1/at-limit': large.subarray(0, 256 * 1024), 'base/1/over-limit': large.subarray(0, 256 * 1024 + 1),
  });
  const folder = mkdtempSync(path.join(root, 'large-'));
  for (const chunkSize of [65536, 1_000_003]) {
    const files = await extract(archive, chunkSize, (name) => path.join(folder, `${chunkSize}-${name.replaceAll('/', '_')}`));
    const byName = new Map(files.map((file) => [file.name, file]));
    assert.equal(byName.get('base/1/16384')?.sha256, sha256(large));
    assert.equal(byName.get('base/1/16386')?.sha256, sha256(large.subarray(0, 16 * 1024 * 1024)));
    assert.equal(byName.get('base/1/16385')?.sha256, sha256(Buffer.from('small')));
    assert.ok(readFileSync(byName.get('base/1/16384')!.localPath).equals(large));
    for (const name of ['base/1/16386', 'base/1/at-limit', 'base/1/over-limit']) {
      const file = byName.get(name)!;
      assert.ok(readFileSync(file.localPath).equals(large.subarray(0, file.size)), name);
      assert.equal(file.sha256, sha256(large.subarray(0, file.size)), name);
    }
  }
});

test('consume() keeps copies: each chunk comes in one reused buffer, scribbled over after the call', async () => {
  const block = 256 * 1024;
  const sizes = [0, 1, 511, 512, block - 1, block, block + 1, 1024 * 1024 + 3, 3 * 1024 * 1024 + 17];
  const content: Record<string, Buffer> = {};
  for (const [index, size] of sizes.entries()) content[`f${index}`] = Buffer.from(Array.from({ length: size }, (_, i) => (i * 13 + index) % 251));
  const archive = makeArchive(content);
  const mtime = new Date('2024-05-01T10:00:00Z');
  for (const chunkSize of [1000, 65_536, 300_000]) {
    const dest = mkdtempSync(path.join(root, 'dest-'));
    const files: ExtractedFile[] = [];
    const extractor = createTarExtractor({
      hasher: hashing.hasher,
      locate: (name) => ({ localPath: path.join(dest, name), mode: 0o600, mtime }),
      onFile: (file) => files.push(file),
    });
    const reused = Buffer.alloc(chunkSize);
    for (let offset = 0; offset < archive.length; offset += chunkSize) {
      const length = archive.copy(reused, 0, offset, offset + chunkSize);
      extractor.consume(reused.subarray(0, length));
      reused.fill(0xee);
      if (extractor.full) await extractor.waitForRoom();
    }
    await extractor.finish();
    assert.equal(files.length, sizes.length, `chunk ${chunkSize}`);
    for (const file of files) {
      const expected = content[file.name]!;
      assert.equal(file.sha256, sha256(expected), `${file.name}, chunk ${chunkSize}`);
      assert.ok(readFileSync(file.localPath).equals(expected), `${file.name} on disk, chunk ${chunkSize}`);
    }
  }
});

test('finish() fails when the input stops inside a member, and closes the partial file', async () => {
  const archive = makeArchive({ big: Buffer.alloc(600_000, 5) });
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const extractor = createTarExtractor({ hasher: hashing.hasher, locate: (name) => ({ localPath: path.join(dest, name), mode: 0o600, mtime: new Date() }), onFile: () => {} });
  extractor.consume(archive.subarray(0, 300_000));
  await assert.rejects(extractor.finish(), /tar archive ended inside member 'big'/);
});

test('a hashing thread that stops fails the extraction: no file is reported without its checksum', async () => {
  const large = Buffer.alloc(3 * 1024 * 1024, 9);
  const archive = makeArchive({ small: Buffer.from('kept'), large });
  const dest = mkdtempSync(path.join(root, 'dest-'));
  const hasher = new BackgroundHasher();
  const files: ExtractedFile[] = [];
  const extractor = createTarExtractor({ hasher, locate: (name) => ({ localPath: path.join(dest, name), mode: 0o600, mtime: new Date() }), onFile: (file) => files.push(file) });
  extractor.consume(archive.subarray(0, 1024 * 1024));
  await hasher.close();
  // The failure may surface in consume() (a later write refused) or in finish().
  await assert.rejects((async () => {
    extractor.consume(archive.subarray(1024 * 1024));
    await extractor.finish();
  })(), /hashing thread was stopped/);
  // 'small' may have been stored before the stop; whatever was reported has its true checksum.
  assert.ok(!files.some((file) => file.name === 'large'));
  for (const file of files) assert.equal(file.sha256, sha256(Buffer.from('kept')));
});
