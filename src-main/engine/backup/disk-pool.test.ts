import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiskPool } from './disk-pool';

const flow = { pause: () => {}, resume: () => {} };

test("an operation given `after` starts only once that one settled, failed or not; others run meanwhile", async () => {
  const pool = new DiskPool(flow);
  const events: string[] = [];
  let finishFirst!: () => void;
  const first = pool.run(1, () => new Promise<void>((resolve) => {
    events.push('first starts');
    finishFirst = () => {
      events.push('first ends');
      resolve();
    };
  }));
  const second = pool.run(1, async () => {
    events.push('second starts');
  }, first);
  const other = pool.run(1, async () => {
    events.push('other file starts');
  });
  await other;
  assert.deepEqual(events, ['first starts', 'other file starts'], 'the same file waits, another file does not');
  finishFirst();
  await second;
  assert.deepEqual(events, ['first starts', 'other file starts', 'first ends', 'second starts']);

  // After a failure the pool skips what follows: the waiting operation never runs.
  const failing = new DiskPool(flow);
  const broken = failing.run(1, async () => {
    throw new Error('disk full');
  });
  let ran = false;
  const next = failing.run(1, async () => {
    ran = true;
  }, broken);
  await assert.rejects(broken, /disk full/);
  await assert.rejects(next, /disk full/);
  assert.equal(ran, false);
});
