import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ArrivalWriter } from './arrival-writer';
import { TarReader } from './tar-reader';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-arrival-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Sizes around the writer's 256 KiB blocks and its 16 MiB large-file mark, with varied bytes. */
const contents = new Map<string, Buffer>([
  ['PG_VERSION', Buffer.from('15\n')],
  ['empty', Buffer.alloc(0)],
  ['base/1/block', patterned(256 * 1024, 1)],
  ['base/1/block-and-one', patterned(256 * 1024 + 1, 2)],
  ['base/1/several-blocks', patterned(600 * 1024 + 17, 3)],
  ['base/1/large', patterned(16 * 1024 * 1024 + 5, 4)],
]);

function patterned(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  for (let index = 0; index < size; index += 1) data[index] = (index * 31 + seed * 7 + (index >> 12)) & 0xff;
  return data;
}

function makeArchive(): Buffer {
  const source = path.join(root, 'source');
  for (const [name, data] of contents) {
    mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    writeFileSync(path.join(source, name), data);
  }
  return execFileSync('tar', ['-cf', '-', '-C', source, 'PG_VERSION', 'empty', 'base'], { maxBuffer: 64 * 1024 * 1024 });
}
const archive = makeArchive();

/**
 * Every chunk lands in one read buffer that is scribbled over once pushed, as
 * the read-buffer socket reuses its buffer: what the writer keeps, it must copy.
 */
async function store(checksums: 'local' | 'server', chunkSize: number): Promise<{ folder: string; writer: ArrivalWriter }> {
  const folder = path.join(root, `${checksums}-${chunkSize}`);
  const writer = new ArrivalWriter({ dataFolder: folder, previous: null, reuse: 'off', checksums, flow: { pause: () => undefined, resume: () => undefined } });
  const reader = new TarReader(writer.archiveSink(''), 'base.tar');
  const readBuffer = Buffer.alloc(chunkSize);
  for (let offset = 0; offset < archive.length; offset += chunkSize) {
    const bytes = archive.copy(readBuffer, 0, offset, offset + chunkSize);
    reader.push(readBuffer.subarray(0, bytes));
    readBuffer.fill(0xee);
  }
  reader.finish();
  await writer.finish();
  return { folder, writer };
}

test('files stored from a reused read buffer hold exactly what was sent, whatever the chunking', async () => {
  for (const checksums of ['server', 'local'] as const) {
    for (const chunkSize of [1000, 64 * 1024, 256 * 1024 + 3]) {
      const { folder, writer } = await store(checksums, chunkSize);
      for (const [name, data] of contents) {
        const stored = readFileSync(path.join(folder, name));
        assert.ok(stored.equals(data), `${name} (checksums ${checksums}, chunks of ${chunkSize}) differs from what was sent`);
        const entry = writer.files.find((file) => file.path === name);
        assert.ok(entry, `${name} is listed`);
        assert.equal(entry.size, data.length);
        // Server checksums come later, from the server's manifest; local ones are of the bytes as they arrived.
        assert.equal(entry.sha256, checksums === 'server' ? '' : createHash('sha256').update(data).digest('hex'), `${name} checksum`);
      }
    }
  }
});
