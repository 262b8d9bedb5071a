import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { BackupFileEntry, PreviousBackup } from '../backup-method';
import { BackgroundHasher } from '../background-hasher';
import { startLinkingAhead } from './link-ahead';
import type { RemoteEntry } from './remote-listing';
import { fetchFiles } from './tar-fetch';
import { createLocalTransport } from '../../transport/local-transport';
import type { ReusedFile } from './transfer-plan';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-link-ahead-'));
const hasher = new BackgroundHasher();
after(async () => {
  await hasher.close();
  rmSync(root, { recursive: true, force: true });
});

const mtime = new Date('2024-05-01T09:00:00Z');

/** A previous backup holding `names` (each file's content is its name), and its manifest. */
function previousBackup(names: string[], extraManifest: string[] = []): PreviousBackup {
  const dataFolder = mkdtempSync(path.join(root, 'previous-'));
  const files = new Map<string, BackupFileEntry>();
  for (const name of names) {
    mkdirSync(path.dirname(path.join(dataFolder, name)), { recursive: true });
    writeFileSync(path.join(dataFolder, name), name);
  }
  for (const name of [...names, ...extraManifest]) files.set(name, { path: name, size: name.length, mtime, sha256: 'ab'.repeat(32), reused: false });
  return { backupId: 'previous', dataFolder, files };
}

function entry(backupPath: string, type: 'file' | 'directory' = 'file', mode = 0o600): RemoteEntry {
  return { backupPath, remotePath: `/pgdata/${backupPath}`, type, size: backupPath.length, mtime, mode, linkTarget: null };
}

function reuse(previous: PreviousBackup, backupPath: string): ReusedFile {
  return { entry: entry(backupPath), previous: previous.files.get(backupPath)! };
}

/** Every path under folder, folders with a trailing slash. */
function tree(folder: string, prefix = ''): string[] {
  return readdirSync(path.join(folder, prefix), { withFileTypes: true }).flatMap((item) => {
    const relative = prefix ? `${prefix}/${item.name}` : item.name;
    return item.isDirectory() ? [`${relative}/`, ...tree(folder, relative)] : [relative];
  }).sort();
}

async function waitForLinks(dataFolder: string, count: number): Promise<void> {
  for (let tries = 0; tree(dataFolder).filter((name) => !name.endsWith('/')).length < count; tries++) {
    if (tries > 300) throw new Error('the links never came');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('settle keeps the links the plan reuses and removes every other link and folder it made; the previous backup is untouched', async () => {
  const previous = previousBackup(['PG_VERSION', 'base/5/1259', 'base/5/2619', 'base/6/1259', 'global/1262']);
  const dataFolder = mkdtempSync(path.join(root, 'data-'));
  const ahead = startLinkingAhead(previous, dataFolder, hasher);
  await waitForLinks(dataFolder, 5);
  // The plan: base/5/2619 changed (it travels), database 6 was dropped, global/1262 is only verified.
  const kept = await ahead.settle({
    reuse: [reuse(previous, 'PG_VERSION'), reuse(previous, 'base/5/1259')],
    directories: [entry('base', 'directory', 0o750), entry('base/5', 'directory', 0o700), entry('global', 'directory', 0o700)],
  });
  assert.deepEqual([...kept].sort(), ['PG_VERSION', 'base/5/1259']);
  assert.deepEqual(tree(dataFolder), ['PG_VERSION', 'base/', 'base/5/', 'base/5/1259', 'global/']);
  assert.equal(statSync(path.join(dataFolder, 'base/5/1259')).ino, statSync(path.join(previous.dataFolder, 'base/5/1259')).ino);
  assert.equal(statSync(path.join(dataFolder, 'base')).mode & 0o777, 0o750);
  for (const name of previous.files.keys()) {
    assert.equal(readFileSync(path.join(previous.dataFolder, name), 'utf8'), name);
    assert.equal(statSync(path.join(previous.dataFolder, name)).nlink, ['PG_VERSION', 'base/5/1259'].includes(name) ? 2 : 1, name);
  }
});

test('never links pg_control, backup_label, tablespace_map, a path that leaves the folder, or a file without a checksum', async () => {
  const previous = previousBackup(['PG_VERSION', 'global/pg_control', 'backup_label', 'tablespace_map', 'no-checksum']);
  const manifest = previous.files as Map<string, BackupFileEntry>;
  manifest.set('../outside', { path: '../outside', size: 1, mtime, sha256: 'ab'.repeat(32), reused: false });
  writeFileSync(path.join(path.dirname(previous.dataFolder), 'outside'), 'x');
  manifest.set('no-checksum', { ...manifest.get('no-checksum')!, sha256: '' });
  // In a folder of its own: '../outside' would be another file there.
  const dataFolder = path.join(mkdtempSync(path.join(root, 'apart-')), 'data');
  mkdirSync(dataFolder);
  const ahead = startLinkingAhead(previous, dataFolder, hasher);
  await waitForLinks(dataFolder, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(tree(dataFolder), ['PG_VERSION']);
  assert.equal(existsSync(path.join(path.dirname(dataFolder), 'outside')), false);
  await ahead.stop();
});

test('stopped before its first turn, it links nothing (a failed connection)', async () => {
  const previous = previousBackup(['PG_VERSION', 'base/5/1259']);
  const dataFolder = mkdtempSync(path.join(root, 'data-'));
  const ahead = startLinkingAhead(previous, dataFolder, hasher);
  await ahead.stop();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(tree(dataFolder), []);
});

test('a copy never writes through a path still linked to a previous backup: it fails and the old file keeps its bytes', async () => {
  const source = mkdtempSync(path.join(root, 'source-'));
  writeFileSync(path.join(source, 'changed'), 'new bytes');
  const previous = mkdtempSync(path.join(root, 'previous-'));
  writeFileSync(path.join(previous, 'changed'), 'old bytes');
  const dataFolder = mkdtempSync(path.join(root, 'data-'));
  linkSync(path.join(previous, 'changed'), path.join(dataFolder, 'changed'));
  const file: RemoteEntry = { ...entry('changed'), remotePath: path.join(source, 'changed'), size: 9, mtime: statSync(path.join(source, 'changed')).mtime };
  await assert.rejects(
    fetchFiles(createLocalTransport(), [file], { dataFolder, compress: 'off', signal: new AbortController().signal, onBytes: () => {}, onFile: () => {} }),
    (error: Error & { code?: string }) => error.code === 'io-failed' && /file already exists/.test(error.message),
  );
  assert.equal(readFileSync(path.join(previous, 'changed'), 'utf8'), 'old bytes');
});
