import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { EngineError } from '../../../shared/errors';
import { computeManifestChecksum, formatManifestTime, manifestFilesByPath, parseManifest, renderManifest } from './manifest';

const files = [
  { path: 'backup_label', size: 227, mtime: new Date('2026-03-27T18:33:18.900Z'), sha256: 'a'.repeat(64), reused: false },
  { path: 'base/1/1249', size: 450560, mtime: new Date('2026-03-27T18:30:01Z'), sha256: 'b'.repeat(64), reused: true },
  { path: 'odd "name"\\with\ttab', size: 0, mtime: new Date('2026-01-02T03:04:05Z'), sha256: 'c'.repeat(64), reused: false },
];
const ranges = [{ timeline: 1, startLsn: '0/1E00028', endLsn: '0/01E00100' }];

test("renders PostgreSQL's exact layout: one line per entry, GMT times, %X/%X LSNs", () => {
  const { text, checksum } = renderManifest(files, ranges);
  const lines = text.split('\n');
  assert.equal(lines[0], '{ "PostgreSQL-Backup-Manifest-Version": 1,');
  assert.equal(lines[1], '"Files": [');
  assert.equal(lines[2], '{ "Path": "backup_label", "Size": 227, "Last-Modified": "2026-03-27 18:33:18 GMT", '
    + `"Checksum-Algorithm": "SHA256", "Checksum": "${'a'.repeat(64)}" },`);
  assert.equal(lines[4], '{ "Path": "odd \\"name\\"\\\\with\\ttab", "Size": 0, "Last-Modified": "2026-01-02 03:04:05 GMT", '
    + `"Checksum-Algorithm": "SHA256", "Checksum": "${'c'.repeat(64)}" }`);
  assert.deepEqual(lines.slice(5), [
    '],',
    '"WAL-Ranges": [',
    '{ "Timeline": 1, "Start-LSN": "0/1E00028", "End-LSN": "0/1E00100" }',
    '],',
    `"Manifest-Checksum": "${checksum}"}`,
    '',
  ]);
  // The checksum covers everything up to and including the newline before its own line.
  const covered = text.slice(0, text.indexOf('"Manifest-Checksum"'));
  assert.equal(checksum, createHash('sha256').update(covered).digest('hex'));
});

test('an empty file list is "[\\n]", as the server writes it', () => {
  const { text } = renderManifest([], ranges);
  assert.match(text, /^\{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": \[\n\],\n"WAL-Ranges": \[\n/);
});

test('parses back what it renders and checks the manifest checksum', () => {
  const { text, checksum } = renderManifest(files, ranges);
  const parsed = parseManifest(text, 'test');
  assert.equal(parsed.checksumValid, true);
  assert.equal(parsed.checksum, checksum);
  assert.deepEqual(parsed.walRanges, [{ timeline: 1, startLsn: '0/1E00028', endLsn: '0/1E00100' }]);
  assert.deepEqual(parsed.files.map((file) => [file.path, file.size, file.mtime.toISOString(), file.checksum]), [
    ['backup_label', 227, '2026-03-27T18:33:18.000Z', 'a'.repeat(64)],
    ['base/1/1249', 450560, '2026-03-27T18:30:01.000Z', 'b'.repeat(64)],
    ['odd "name"\\with\ttab', 0, '2026-01-02T03:04:05.000Z', 'c'.repeat(64)],
  ]);
  const byPath = manifestFilesByPath(parsed);
  assert.equal(byPath.get('base/1/1249')?.sha256, 'b'.repeat(64));
  assert.equal(byPath.get('base/1/1249')?.reused, false);
});

test('a changed byte breaks the manifest checksum', () => {
  const { text } = renderManifest(files, ranges);
  const tampered = text.replace('"Size": 227', '"Size": 228');
  assert.equal(parseManifest(tampered, 'test').checksumValid, false);
  assert.notEqual(computeManifestChecksum(tampered), computeManifestChecksum(text));
});

test('Encoded-Path entries (non-UTF-8 names) and checksum-less manifests parse', () => {
  const body = '{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [\n'
    + `{ "Encoded-Path": "${Buffer.from('base/5/x').toString('hex')}", "Size": 3, "Last-Modified": "2026-01-01 00:00:00 GMT" }`
    + '\n],\n"WAL-Ranges": [\n{ "Timeline": 2, "Start-LSN": "0/3000028", "End-LSN": "0/3000100" }\n],\n';
  const text = `${body}"Manifest-Checksum": "${createHash('sha256').update(body).digest('hex')}"}\n`;
  const parsed = parseManifest(text, 'test');
  assert.equal(parsed.checksumValid, true);
  assert.equal(parsed.files[0]?.path, 'base/5/x');
  assert.equal(parsed.files[0]?.checksum, null);
  assert.equal(manifestFilesByPath(parsed).size, 0, 'files without SHA256 cannot be compared for reuse');
});

test('garbage is refused with verify-failed, naming the file', () => {
  assert.throws(() => parseManifest('not json', '/store/b/backup_manifest'), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'verify-failed');
    assert.match(error.message, /backup manifest '\/store\/b\/backup_manifest' is not valid JSON/);
    return true;
  });
  assert.throws(() => parseManifest('{"PostgreSQL-Backup-Manifest-Version": 9}', 'm'), /unknown version 9/);
});

test('times are whole seconds in GMT', () => {
  assert.equal(formatManifestTime(new Date('2026-12-31T23:59:59.999Z')), '2026-12-31 23:59:59 GMT');
});
