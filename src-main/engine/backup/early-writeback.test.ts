import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEarlyWriteback } from './early-writeback';

const mib = 1024 * 1024;

test('a sync of the folder\'s volume after every 32 MiB stored, never two at once; what was stored meanwhile starts the next one', async () => {
  const started: string[] = [];
  let finish = (): void => {};
  const sync = (folder: string): Promise<boolean> => {
    started.push(folder);
    return new Promise((resolve) => {
      finish = () => resolve(true);
    });
  };
  const writeback = startEarlyWriteback('/backups/pg/incoming', sync);
  for (let chunk = 0; chunk < 31; chunk++) writeback.add(mib);
  assert.deepEqual(started, []);
  writeback.add(mib);
  assert.deepEqual(started, ['/backups/pg/incoming']);
  // While it runs, more bytes start nothing.
  writeback.add(40 * mib);
  assert.equal(started.length, 1);
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  // 40 MiB are pending: the next stored bytes start the next sync at once.
  writeback.add(1);
  assert.equal(started.length, 2);
});

test('a sync that fails (or cannot run here) only lets the next one start', async () => {
  let calls = 0;
  const writeback = startEarlyWriteback('/backups', async () => {
    calls += 1;
    return false;
  });
  writeback.add(32 * mib);
  await new Promise((resolve) => setImmediate(resolve));
  writeback.add(32 * mib);
  assert.equal(calls, 2);
});
