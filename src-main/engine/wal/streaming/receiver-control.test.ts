import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../../shared/errors';
import type { ServerConfig } from '../../config/load';
import { acquireArchiverLock } from '../archiver-lock';
import { hasResetMarker, removeResetMarker } from './local-state';
import { resetWalReceiver, stopWalReceiver } from './receiver-control';

const home = mkdtempSync(path.join(os.tmpdir(), 'barkeep-receiver-control-'));
after(() => rmSync(home, { recursive: true, force: true }));

const server = {
  name: 'pg', file: '/etc/barkeep/conf.d/pg.conf', backupDirectory: home,
  streamingWalsDirectory: path.join(home, 'streaming'), walsDirectory: path.join(home, 'wals'), errorsDirectory: path.join(home, 'errors'),
} as unknown as ServerConfig;

test('reset removes the partial segments and leaves a marker; it is refused while receive-wal runs', () => {
  mkdirSync(server.streamingWalsDirectory, { recursive: true });
  for (const file of ['000000010000000000000007.partial', '000000010000000000000006', 'notes.txt']) writeFileSync(path.join(server.streamingWalsDirectory, file), 'x');
  const lock = acquireArchiverLock('pg', home);
  try {
    assert.throws(() => resetWalReceiver(server), (error: unknown) => error instanceof EngineError && error.code === 'archiver-running'
      && error.message === `receive-wal for server 'pg' is running (pid ${process.pid})` && error.hint === 'stop it first with `barkeep receive-wal --stop pg`');
  } finally {
    lock.release();
  }
  assert.deepEqual(resetWalReceiver(server), { removed: ['000000010000000000000007.partial'] });
  assert.deepEqual(readdirSync(server.streamingWalsDirectory).sort(), ['000000010000000000000006', 'notes.txt', 'receive-wal.reset']);
  assert.ok(hasResetMarker(server.streamingWalsDirectory));
  removeResetMarker(server.streamingWalsDirectory);
  assert.ok(!existsSync(path.join(server.streamingWalsDirectory, 'receive-wal.reset')));
});

test('stop with nothing running says so', async () => {
  assert.deepEqual(await stopWalReceiver(server), { pid: null });
});
