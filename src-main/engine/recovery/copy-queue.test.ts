import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LargestFirstQueue } from './copy-queue';

const item = (size: number) => ({ size, name: `file-${size}` });

test('items come out largest first, whatever order they went in', async () => {
  const queue = new LargestFirstQueue<{ size: number; name: string }>();
  for (const size of [5, 130, 0, 8192, 16, 8192, 1_000_000, 3]) queue.push(item(size));
  queue.close();
  const taken: number[] = [];
  for (let next = await queue.take(); next !== null; next = await queue.take()) taken.push(next.size);
  assert.deepEqual(taken, [1_000_000, 8192, 8192, 130, 16, 5, 3, 0]);
});

test('take() waits while the queue is open and empty, and gets what is pushed later', async () => {
  const queue = new LargestFirstQueue<{ size: number; name: string }>();
  const first = queue.take();
  const second = queue.take();
  queue.push(item(10));
  queue.push(item(20));
  // both waiters get one item each (which one gets which depends on when each wakes)
  assert.deepEqual(new Set([(await first)?.size, (await second)?.size]), new Set([10, 20]));
  const third = queue.take();
  queue.close();
  assert.equal(await third, null);
});

test('stop() ends every take() at once, even with items left', async () => {
  const queue = new LargestFirstQueue<{ size: number; name: string }>();
  const waiting = queue.take();
  queue.stop();
  assert.equal(await waiting, null);
  queue.push(item(1));
  assert.equal(await queue.take(), null);
});
