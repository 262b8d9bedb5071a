import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpareBuffers } from './spare-buffers';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('gives back what it was given, last in first out, and keeps at most its maximum', () => {
  const spares = new SpareBuffers(2, 60_000);
  const [a, b, c] = [Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1)];
  spares.give(a);
  spares.give(b);
  spares.give(c);
  assert.equal(spares.count, 2);
  assert.equal(spares.take(), b);
  assert.equal(spares.take(), a);
  assert.equal(spares.take(), undefined);
});

test('lets its buffers go once unused for its keeping time; each use restarts the clock', async () => {
  const spares = new SpareBuffers(4, 150);
  spares.give(Buffer.alloc(1));
  spares.give(Buffer.alloc(1));
  await sleep(100);
  spares.give(Buffer.alloc(1));
  await sleep(100);
  assert.equal(spares.count, 3, 'kept: used 100 ms ago');
  await sleep(150);
  assert.equal(spares.count, 0);
  spares.give(Buffer.alloc(1));
  assert.equal(spares.count, 1, 'usable again after letting go');
});
