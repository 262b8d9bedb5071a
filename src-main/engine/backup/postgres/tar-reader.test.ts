import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../../../shared/errors';
import { parsePaxRecords, readNumber, TarReader, type TarEntry } from './tar-reader';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-tar-reader-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Past 100 characters: ustar splits it into prefix + name, pax and gnu use their own records.
const prefixedName = `${'deep-folder-name/'.repeat(8)}pg_tblspc/16385`;
// A last component past 100 characters: only pax and gnu can hold it.
const longName = `long/${'n'.repeat(120)}`;
const contents = new Map<string, Buffer>([
  ['PG_VERSION', Buffer.from('15\n')],
  ['base/1/1249', Buffer.alloc(3 * 8192 + 17, 7)],
  ['empty', Buffer.alloc(0)],
  [prefixedName, Buffer.from('prefixed name content')],
  [longName, Buffer.from('long name content')],
]);
const ustarMembers = ['PG_VERSION', 'base', 'empty', 'deep-folder-name'];

function makeSource(): string {
  const source = path.join(root, 'source');
  for (const [name, data] of contents) {
    mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    writeFileSync(path.join(source, name), data);
  }
  symlinkSync(`/far/away/${'t'.repeat(110)}`, path.join(source, 'link'));
  return source;
}
const source = makeSource();

interface Collected { entries: TarEntry[]; data: Map<string, Buffer> }

function readArchive(archive: Buffer, chunkSizes: number[]): Collected {
  const entries: TarEntry[] = [];
  const data = new Map<string, Buffer>();
  let current: { path: string; parts: Buffer[] } | null = null;
  const reader = new TarReader({
    onEntry: (entry) => {
      entries.push(entry);
      current = entry.type === 'file' ? { path: entry.path, parts: [] } : null;
    },
    onData: (chunk) => current?.parts.push(Buffer.from(chunk)),
    onEntryEnd: () => {
      if (current) data.set(current.path, Buffer.concat(current.parts));
      current = null;
    },
  }, 'test.tar');
  let offset = 0;
  for (let index = 0; offset < archive.length; index += 1) {
    const size = chunkSizes[index % chunkSizes.length]!;
    reader.push(archive.subarray(offset, offset + size));
    offset += size;
  }
  reader.finish();
  return { entries, data };
}

for (const format of ['pax', 'gnu', 'ustar'] as const) {
  test(`reads a ${format} archive fed in odd chunk sizes (long names, symlinks, empty files)`, () => {
    const members = format === 'ustar' ? ustarMembers : ['.'];
    const archive = execFileSync('tar', ['-C', source, `--format=${format}`, '-cf', '-', ...members], { maxBuffer: 64 * 1024 * 1024 });
    for (const sizes of [[1], [511, 513, 7], [100_000]]) {
      const { entries, data } = readArchive(archive, sizes);
      for (const [name, expected] of contents) {
        if (format === 'ustar' && name === longName) continue;
        assert.deepEqual(data.get(name), expected, `${name} with chunks ${sizes.join(',')}`);
      }
      assert.ok(entries.some((entry) => entry.type === 'directory' && entry.path === 'base/1'));
      assert.ok(entries.every((entry) => !entry.path.startsWith('./') && !entry.path.endsWith('/')));
      if (format === 'ustar') continue;
      const link = entries.find((entry) => entry.path === 'link');
      assert.equal(link?.type, 'symlink');
      assert.equal(link?.linkTarget, `/far/away/${'t'.repeat(110)}`);
    }
  });
}

test('an archive cut inside an entry is an error at finish(); a clean cut between entries is not', () => {
  const archive = execFileSync('tar', ['-C', source, '-cf', '-', 'PG_VERSION', 'base'], { maxBuffer: 16 * 1024 * 1024 });
  const noop = { onEntry: () => undefined, onData: () => undefined, onEntryEnd: () => undefined };
  const cut = new TarReader(noop, 'cut.tar');
  cut.push(archive.subarray(0, 700));
  assert.throws(() => cut.finish(), (error: unknown) => error instanceof EngineError && /archive 'cut.tar' ended in the middle of an entry/.test(error.message));
  const clean = new TarReader(noop, 'clean.tar');
  clean.push(archive.subarray(0, 1024)); // header + one padded data block of PG_VERSION
  clean.finish();
});

test('a damaged header is refused', () => {
  const archive = Buffer.from(execFileSync('tar', ['-C', source, '-cf', '-', 'PG_VERSION']));
  archive[10] = archive[10]! ^ 0xff;
  const reader = new TarReader({ onEntry: () => undefined, onData: () => undefined, onEntryEnd: () => undefined }, 'bad.tar');
  assert.throws(() => reader.push(archive), /damaged tar header/);
});

test('numbers: octal with NUL or space, and base-256 for sizes past 8 GiB', () => {
  const header = Buffer.alloc(512);
  header.write('00000001750 \0', 124, 'latin1');
  assert.equal(readNumber(header, 124, 12), 0o1750);
  header.fill(0, 124, 136);
  header[124] = 0x80;
  header.writeUIntBE(10 * 1024 ** 3, 130, 6);
  assert.equal(readNumber(header, 124, 12), 10 * 1024 ** 3);
});

test('pax records: path, linkpath, size, mtime', () => {
  const record = (key: string, value: string): string => {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (Buffer.byteLength(`${length}${body}`) !== length) length += 1;
    return `${length}${body}`;
  };
  const data = Buffer.from(record('path', 'a/b/ü') + record('linkpath', '/x') + record('size', '12') + record('mtime', '1700000000.5'));
  assert.deepEqual(parsePaxRecords(data, 't'), { path: 'a/b/ü', linkTarget: '/x', size: 12, mtime: 1700000000 });
});
