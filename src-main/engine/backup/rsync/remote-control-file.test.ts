import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../../../shared/errors';
import { createLocalTransport } from '../../transport/local-transport';
import { checkSameSystem, readSystemIdentifiers } from './remote-control-file';
import { listingRoots } from './rsync-method';

const root = mkdtempSync(path.join(os.tmpdir(), 'barkeep-control-'));
after(() => rmSync(root, { recursive: true, force: true }));

function dataFolderOf(systemId: bigint): string {
  const folder = mkdtempSync(path.join(root, 'data-'));
  mkdirSync(path.join(folder, 'global'));
  const control = Buffer.alloc(8192);
  control.writeBigUInt64LE(systemId, 0);
  writeFileSync(path.join(folder, 'global', 'pg_control'), control);
  return folder;
}

test('the same system identifier passes; another one is refused naming both', async () => {
  const folder = dataFolderOf(7345678901234567890n);
  const signal = new AbortController().signal;
  await checkSameSystem(createLocalTransport(), folder, '7345678901234567890', signal);
  await assert.rejects(checkSameSystem(createLocalTransport(), folder, '7000000000000000001', signal), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.code, 'config-invalid');
    assert.match(error.message, /belongs to system 7345678901234567890, not to the server conninfo reaches \(system 7000000000000000001\)/);
    return true;
  });
  await assert.rejects(checkSameSystem(createLocalTransport(), path.join(root, 'nowhere'), '1', signal), /unable to read '.*nowhere\/global\/pg_control'/);
});

test('readSystemIdentifiers reads both byte orders', () => {
  const head = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(readSystemIdentifiers(head), ['1', '72057594037927936']);
});

test('listing roots: the data folder, and each tablespace by its version folder; in-place ones stay inside', () => {
  const roots = listingRoots({
    version: '15.8', versionNum: 150008, systemId: '1', catalogVersion: 202209061, dataDirectory: '/pg/data', dataChecksums: true,
    walSegmentSize: 16 * 1024 * 1024, inRecovery: false,
    tablespaces: [{ oid: 16385, name: 'spare', location: '/ts/spare/' }, { oid: 16390, name: 'inplace', location: 'pg_tblspc/16390' }],
  });
  assert.deepEqual(roots, [
    { remoteDir: '/pg/data', backupPrefix: '' },
    { remoteDir: '/ts/spare/PG_15_202209061', backupPrefix: 'pg_tblspc/16385/PG_15_202209061' },
  ]);
});
