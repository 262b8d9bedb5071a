import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { computeBackupUsage, measureBackups, measureFolderBytes, measureVolume, type StoredFile } from './disk-usage';

const file = (backupId: string, ino: number, size: number, nlink = 1): StoredFile => ({ backupId, dev: 1, ino, size, nlink });

test('a file linked into two backups is own to neither and counted once for the server', () => {
  const { backups, uniqueBytes } = computeBackupUsage([
    file('A', 1, 1000, 2), file('A', 2, 10),
    file('B', 1, 1000, 2), file('B', 3, 20),
  ]);
  assert.deepEqual(backups.get('A'), { backupId: 'A', totalBytes: 1010, ownBytes: 10, files: 2, sharedFiles: 1 });
  assert.deepEqual(backups.get('B'), { backupId: 'B', totalBytes: 1020, ownBytes: 20, files: 2, sharedFiles: 1 });
  assert.equal(uniqueBytes, 1030);
});

test('links outside the walked backups make a file shared; links inside one backup keep it own', () => {
  const { backups } = computeBackupUsage([file('A', 1, 500, 3), file('B', 2, 70, 2), file('B', 2, 70, 2)]);
  assert.equal(backups.get('A')?.ownBytes, 0, 'nlink 3 but one reference seen: someone else holds it');
  assert.equal(backups.get('B')?.ownBytes, 70, 'both names are in backup B');
});

test('the same inode number on two devices is two files', () => {
  const { uniqueBytes } = computeBackupUsage([{ ...file('A', 7, 5), dev: 1 }, { ...file('B', 7, 6), dev: 2 }]);
  assert.equal(uniqueBytes, 11);
});

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-disk-usage-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('measures real backup folders by inode, their data folders only, skipping temporary ones', async () => {
  const paths = {
    backupDirectory: root, walsDirectory: path.join(root, 'wals'), streamingWalsDirectory: path.join(root, 'streaming'),
    incomingWalsDirectory: path.join(root, 'incoming'), errorsDirectory: path.join(root, 'errors'),
  };
  const first = path.join(root, 'base', '20260101T000000', 'data');
  const second = path.join(root, 'base', '20260102T000000', 'data');
  const incoming = path.join(root, 'base', '.incoming-20260103T000000', 'data');
  for (const folder of [first, second, incoming, path.join(paths.walsDirectory, '0000000100000000')]) mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(first, 'big'), Buffer.alloc(100_000));
  writeFileSync(path.join(first, 'changed'), Buffer.alloc(300));
  linkSync(path.join(first, 'big'), path.join(second, 'big'));
  writeFileSync(path.join(second, 'changed'), Buffer.alloc(400));
  writeFileSync(path.join(incoming, 'partial'), Buffer.alloc(9999));
  // Beside data/: not counted, so a first backup's own bytes equal its size rather than exceed it.
  for (const backup of [first, second]) {
    writeFileSync(path.join(backup, '..', 'backup.json'), Buffer.alloc(2000));
    writeFileSync(path.join(backup, '..', 'backup_manifest'), Buffer.alloc(5000));
  }
  writeFileSync(path.join(paths.walsDirectory, '0000000100000000', '000000010000000000000001'), Buffer.alloc(1234));

  const { backups, uniqueBytes } = await measureBackups(paths);
  assert.deepEqual([...backups.keys()], ['20260101T000000', '20260102T000000']);
  assert.equal(backups.get('20260101T000000')?.ownBytes, 300);
  assert.equal(backups.get('20260101T000000')?.totalBytes, 100_300);
  assert.equal(backups.get('20260102T000000')?.ownBytes, 400);
  assert.equal(backups.get('20260102T000000')?.totalBytes, 100_400);
  assert.equal(uniqueBytes, 100_700);
  assert.equal(await measureFolderBytes(paths.walsDirectory), 1234);
  assert.equal(await measureFolderBytes(path.join(root, 'missing')), 0);
  const volume = await measureVolume(path.join(root, 'not', 'yet'));
  assert.ok(volume && volume.freeBytes > 0 && volume.totalBytes >= volume.freeBytes);
});
