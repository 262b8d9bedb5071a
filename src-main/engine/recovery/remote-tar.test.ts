import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { packPlannedWal } from './remote-tar';

test('packPlannedWal writes a ustar archive that GNU tar extracts byte for byte', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-remote-tar-'));
  try {
    const wals = path.join(root, 'wals');
    mkdirSync(path.join(wals, '0000000100000000'), { recursive: true });
    const segment = Buffer.alloc(1000, 7);
    writeFileSync(path.join(wals, '0000000100000000', '000000010000000000000003'), segment);
    writeFileSync(path.join(wals, '00000002.history'), '1\t0/3000000\tno recovery target specified\n');
    const source = packPlannedWal(wals, ['00000002.history', '000000010000000000000003']);
    const archive = await buffer(source.stream);
    await source.done;
    assert.equal(archive.length % 512, 0);
    const out = path.join(root, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-C', out, '-xf', '-'], { input: archive });
    assert.deepEqual(readFileSync(path.join(out, '000000010000000000000003')), segment);
    assert.match(readFileSync(path.join(out, '00000002.history'), 'utf8'), /^1\t0\/3000000/);
    assert.equal(statSync(path.join(out, '00000002.history')).mode & 0o777, 0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('packPlannedWal fails when a planned file is gone', async () => {
  const source = packPlannedWal('/nonexistent-barkeep-wals', ['000000010000000000000003']);
  await assert.rejects(buffer(source.stream), /wal file 000000010000000000000003 disappeared/);
  await assert.rejects(source.done, /disappeared/);
});
