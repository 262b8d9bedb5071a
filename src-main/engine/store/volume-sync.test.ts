import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { syncVolume } from './volume-sync';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-volume-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('syncs the volume of a folder, again and again through one helper; a folder that is not there is a failure to fall back from', async () => {
  writeFileSync(path.join(root, 'dirty'), 'bytes to write back');
  assert.equal(await syncVolume(root), true);
  // Side by side: the answers come back in order, each to its caller.
  assert.deepEqual(await Promise.all([syncVolume(root), syncVolume(path.join(root, 'missing')), syncVolume(root)]), [true, false, true]);
  assert.equal(await syncVolume(`${root}\nsecond line`), false);
});

test('the helper keeps no process alive: a command that synced exits at once, and only after the answer', () => {
  const module = path.join(import.meta.dirname, 'volume-sync.ts');
  const script = `const { syncVolume } = await import(${JSON.stringify(module)});
    console.log(await syncVolume(${JSON.stringify(root)}));`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(child.error, undefined, 'the process did not exit on its own');
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), 'true');
});
