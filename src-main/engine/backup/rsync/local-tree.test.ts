import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { BackupFileEntry } from '../backup-method';
import { createFolders, reuseFiles, writeLabelFile } from './local-tree';
import type { RemoteEntry } from './remote-listing';
import type { ReusedFile } from './transfer-plan';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-local-tree-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mtime = new Date('2024-05-01T09:00:00Z');

function reused(backupPath: string): ReusedFile {
  const entry: RemoteEntry = { backupPath, remotePath: `/pgdata/${backupPath}`, type: 'file', size: 4, mtime, mode: 0o600, linkTarget: null };
  return { entry, previous: { path: backupPath, size: 4, mtime, sha256: 'cd'.repeat(32), reused: false } };
}

function previousFolder(): string {
  const folder = mkdtempSync(path.join(root, 'previous-'));
  mkdirSync(path.join(folder, 'base', '5'), { recursive: true });
  writeFileSync(path.join(folder, 'base', '5', '1259'), 'data');
  writeFileSync(path.join(folder, 'PG_VERSION'), '15\n\0');
  return folder;
}

async function reuseInto(mode: 'link' | 'copy', files: ReusedFile[]): Promise<{ dataFolder: string; previous: string; stored: BackupFileEntry[]; missing: string[] }> {
  const previous = previousFolder();
  const dataFolder = mkdtempSync(path.join(root, 'data-'));
  await createFolders(dataFolder, [{ ...reused('base').entry, type: 'directory', mode: 0o700 }, { ...reused('base/5').entry, type: 'directory', mode: 0o700 }]);
  const seen: BackupFileEntry[] = [];
  const outcome = await reuseFiles(files, { previousFolder: previous, dataFolder, mode, signal: new AbortController().signal, onFile: (file) => seen.push(file) });
  assert.deepEqual(seen, outcome.stored);
  return { dataFolder, previous, stored: outcome.stored, missing: outcome.missing.map((entry) => entry.backupPath) };
}

test('link: the same inode; the entry keeps the previous checksum and is marked reused', async () => {
  const { dataFolder, previous, stored, missing } = await reuseInto('link', [reused('base/5/1259'), reused('PG_VERSION')]);
  assert.deepEqual(missing, []);
  assert.equal(statSync(path.join(dataFolder, 'base/5/1259')).ino, statSync(path.join(previous, 'base/5/1259')).ino);
  assert.deepEqual(stored.map((file) => [file.path, file.reused, file.sha256]).sort(), [
    ['PG_VERSION', true, 'cd'.repeat(32)], ['base/5/1259', true, 'cd'.repeat(32)],
  ]);
});

test('copy: another inode with the same bytes, mode and mtime', async () => {
  const { dataFolder, previous } = await reuseInto('copy', [reused('base/5/1259')]);
  const copied = statSync(path.join(dataFolder, 'base/5/1259'));
  assert.notEqual(copied.ino, statSync(path.join(previous, 'base/5/1259')).ino);
  assert.equal(readFileSync(path.join(dataFolder, 'base/5/1259'), 'utf8'), 'data');
  assert.equal(copied.mode & 0o777, 0o600);
  assert.equal(copied.mtime.toISOString(), mtime.toISOString());
});

test('a file missing from the previous backup is handed back to be transferred', async () => {
  const { stored, missing } = await reuseInto('link', [reused('base/5/1259'), reused('base/5/2619')]);
  assert.deepEqual(missing, ['base/5/2619']);
  assert.deepEqual(stored.map((file) => file.path), ['base/5/1259']);
});

test('link: hundreds of files, each linked once', async () => {
  const previous = previousFolder();
  const names = Array.from({ length: 300 }, (_, index) => `base/5/${20000 + index}`);
  for (const name of names) writeFileSync(path.join(previous, name), 'data');
  const dataFolder = mkdtempSync(path.join(root, 'many-'));
  await createFolders(dataFolder, [{ ...reused('base').entry, type: 'directory', mode: 0o700 }, { ...reused('base/5').entry, type: 'directory', mode: 0o700 }]);
  const outcome = await reuseFiles(names.map(reused), { previousFolder: previous, dataFolder, mode: 'link', signal: new AbortController().signal, onFile: () => {} });
  assert.deepEqual(outcome.stored.map((file) => file.path).sort(), [...names].sort());
  for (const name of names) assert.equal(statSync(path.join(dataFolder, name)).nlink, 2);
});

test('link across volumes (the store on another file system): copied instead, and counted', async (t) => {
  const otherVolume = '/dev/shm';
  const volume = statSync(otherVolume, { throwIfNoEntry: false });
  if (!volume || volume.dev === statSync(root).dev) {
    t.skip('/dev/shm is not a separate file system here');
    return;
  }
  const previous = previousFolder();
  const dataFolder = mkdtempSync(path.join(otherVolume, 'barkeep-local-tree-'));
  t.after(() => rmSync(dataFolder, { recursive: true, force: true }));
  await createFolders(dataFolder, [{ ...reused('base').entry, type: 'directory', mode: 0o700 }, { ...reused('base/5').entry, type: 'directory', mode: 0o700 }]);
  const outcome = await reuseFiles([reused('base/5/1259')], { previousFolder: previous, dataFolder, mode: 'link', signal: new AbortController().signal, onFile: () => {} });
  assert.equal(outcome.copiedInsteadOfLinked, 1);
  assert.deepEqual(outcome.stored.map((file) => [file.path, file.reused]), [['base/5/1259', true]]);
  const copied = statSync(path.join(dataFolder, 'base/5/1259'));
  assert.equal(copied.nlink, 1);
  assert.equal(readFileSync(path.join(dataFolder, 'base/5/1259'), 'utf8'), 'data');
  assert.equal(copied.mtime.toISOString(), mtime.toISOString());
});

test('a cancelled reuse stops with a cancelled error', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    reuseFiles([reused('PG_VERSION')], { previousFolder: previousFolder(), dataFolder: root, mode: 'link', signal: controller.signal, onFile: () => {} }),
    /cancelled/,
  );
});

test('writeLabelFile stores the text and returns its manifest entry', async () => {
  const dataFolder = mkdtempSync(path.join(root, 'label-'));
  const text = 'START WAL LOCATION: 0/A000028 (file 00000001000000000000000A)\n';
  const entry = await writeLabelFile(dataFolder, 'backup_label', text, mtime);
  assert.deepEqual(entry, { path: 'backup_label', size: text.length, mtime, sha256: createHash('sha256').update(text).digest('hex'), reused: false });
  assert.equal(readFileSync(path.join(dataFolder, 'backup_label'), 'utf8'), text);
  assert.equal(statSync(path.join(dataFolder, 'backup_label')).mtime.toISOString(), mtime.toISOString());
});
