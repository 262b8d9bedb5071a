import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import type { RemoteEntry } from './remote-listing';
import { planTransfer, splitIntoStreams } from './transfer-plan';

const horizon = new Date('2024-05-01T10:00:00Z');

function file(backupPath: string, size: number, mtime: string): RemoteEntry {
  return { backupPath, remotePath: `/pgdata/${backupPath}`, type: 'file', size, mtime: new Date(mtime), mode: 0o600, linkTarget: null };
}

function previousOf(entries: Array<[string, number, string]>): PreviousBackup {
  const files = new Map<string, BackupFileEntry>(entries.map(([p, size, mtime]) => [p, { path: p, size, mtime: new Date(mtime), sha256: 'ab'.repeat(32), reused: false }]));
  return { backupId: '20240501T100000', dataFolder: '/store/pg/base/20240501T100000/data', files };
}

test('same size and mtime before the horizon is reused; after it, compared by checksum', () => {
  const previous = previousOf([
    ['old', 8192, '2024-05-01T09:00:00Z'],
    ['same-second', 8192, '2024-05-01T10:00:00Z'],
    ['grown', 8192, '2024-05-01T09:00:00Z'],
    ['touched', 8192, '2024-05-01T09:00:00Z'],
    ['global/pg_control', 8192, '2024-05-01T09:00:00Z'],
  ]);
  const entries = [
    // The listing has sub-second mtimes; the manifest whole seconds.
    file('old', 8192, '2024-05-01T09:00:00.734Z'),
    file('same-second', 8192, '2024-05-01T10:00:00.250Z'),
    file('grown', 16384, '2024-05-01T09:00:00Z'),
    file('touched', 8192, '2024-05-01T11:00:00Z'),
    file('new', 10, '2024-05-01T09:00:00Z'),
    file('global/pg_control', 8192, '2024-05-01T09:00:00Z'),
    { ...file('base', 0, '2024-05-01T09:00:00Z'), type: 'directory' as const },
    { ...file('socket', 0, '2024-05-01T09:00:00Z'), type: 'other' as const },
  ];
  const plan = planTransfer({ entries, previous, reuse: 'link', horizon });
  assert.deepEqual(plan.reuse.map((reused) => reused.entry.backupPath), ['old']);
  assert.deepEqual(plan.verify.map((reused) => reused.entry.backupPath), ['same-second']);
  assert.deepEqual(plan.transfer.map((entry) => entry.backupPath), ['grown', 'touched', 'new']);
  assert.equal(plan.control?.backupPath, 'global/pg_control', 'pg_control is never reused');
  assert.deepEqual(plan.directories.map((entry) => entry.backupPath), ['base']);
  assert.deepEqual(plan.other.map((entry) => entry.backupPath), ['socket']);
});

test('without a horizon every candidate is compared by checksum; reuse off sends everything', () => {
  const previous = previousOf([['old', 8192, '2024-05-01T09:00:00Z']]);
  const entries = [file('old', 8192, '2024-05-01T09:00:00Z')];
  assert.equal(planTransfer({ entries, previous, reuse: 'copy', horizon: null }).verify.length, 1);
  assert.equal(planTransfer({ entries, previous, reuse: 'off', horizon }).transfer.length, 1);
  assert.equal(planTransfer({ entries, previous: null, reuse: 'link', horizon }).transfer.length, 1);
});

test('a previous entry without a checksum is never trusted', () => {
  const previous = previousOf([['old', 8192, '2024-05-01T09:00:00Z']]);
  previous.files.get('old')!.sha256 = '';
  assert.equal(planTransfer({ entries: [file('old', 8192, '2024-05-01T09:00:00Z')], previous, reuse: 'link', horizon }).transfer.length, 1);
});

test('splitIntoStreams balances bytes and keeps path order in each stream', () => {
  const files = [
    file('a', 1000, '2024-01-01T00:00:00Z'), file('b', 900, '2024-01-01T00:00:00Z'), file('c', 600, '2024-01-01T00:00:00Z'),
    file('d', 500, '2024-01-01T00:00:00Z'), file('e', 400, '2024-01-01T00:00:00Z'), file('f', 0, '2024-01-01T00:00:00Z'),
  ];
  const streams = splitIntoStreams(files, 2);
  assert.equal(streams.length, 2);
  const sizes = streams.map((stream) => stream.reduce((sum, entry) => sum + entry.size, 0));
  assert.ok(Math.abs(sizes[0]! - sizes[1]!) <= 500, `balanced: ${sizes.join(' / ')}`);
  for (const stream of streams) assert.deepEqual(stream.map((entry) => entry.backupPath), stream.map((entry) => entry.backupPath).sort());
  assert.equal(streams.flat().length, files.length);
  assert.equal(splitIntoStreams(files.slice(0, 1), 4).length, 1, 'never more streams than files');
  assert.deepEqual(splitIntoStreams([], 3), []);
});
