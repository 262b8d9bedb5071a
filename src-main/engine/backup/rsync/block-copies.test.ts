import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeBytes } from '../disk-pool';
import { spareWriteBlocks } from '../spare-buffers';
import { BlockCopies } from './block-copies';

const pattern = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) % 251));

test('copies are equal to their chunks, cut at block ends, and survive the chunk being overwritten', () => {
  const copies = new BlockCopies();
  const chunk = pattern(writeBytes + 1000, 1);
  const views: Buffer[] = [];
  copies.copy(chunk, views);
  const expected = Buffer.from(chunk);
  chunk.fill(0xee);
  assert.equal(views.length, 2);
  assert.equal(views[0]!.length, writeBytes);
  assert.deepEqual(Buffer.concat(views), expected);
});

test('blocks come back once every view of them is released, and only then', () => {
  const copies = new BlockCopies();
  const held: Buffer[] = [];
  copies.copy(pattern(writeBytes, 2), held);
  const heldCopy = Buffer.concat(held);
  // Many more copies, each released at once: they reuse one or two blocks, never the held one.
  for (let round = 0; round < 50; round++) {
    const views: Buffer[] = [];
    copies.copy(pattern(100_000, round), views);
    assert.deepEqual(Buffer.concat(views), pattern(100_000, round));
    copies.release(views);
  }
  assert.deepEqual(Buffer.concat(held), heldCopy, 'a held view was overwritten');
  assert.ok(copies.blockCount <= 3, `${copies.blockCount} blocks for 5 MB of released copies`);
  copies.release(held);
  const before = copies.blockCount;
  for (let round = 0; round < 20; round++) {
    const views: Buffer[] = [];
    copies.copy(pattern(writeBytes, round), views);
    copies.release(views);
  }
  assert.equal(copies.blockCount, before, 'released blocks are reused, not made anew');
});

test('a later backup takes up the blocks an earlier one released, and two at once never share a held block', () => {
  const first = new BlockCopies();
  const firstViews: Buffer[] = [];
  first.copy(pattern(4 * writeBytes, 3), firstViews);
  const firstBlocks = new Set(firstViews.map((view) => view.buffer));
  first.release(firstViews);
  assert.ok(spareWriteBlocks.count >= 3, `${spareWriteBlocks.count} spare blocks`);

  // Two streams of the next backup at once: both draw on the spare blocks.
  const left = new BlockCopies();
  const right = new BlockCopies();
  const leftViews: Buffer[] = [];
  const rightViews: Buffer[] = [];
  left.copy(pattern(2 * writeBytes, 4), leftViews);
  right.copy(pattern(2 * writeBytes, 5), rightViews);
  const reused = [...leftViews, ...rightViews].filter((view) => firstBlocks.has(view.buffer));
  assert.ok(reused.length >= 3, 'blocks of the earlier backup are used again');
  const leftBlocks = new Set(leftViews.map((view) => view.buffer));
  assert.ok(rightViews.every((view) => !leftBlocks.has(view.buffer)), 'a held block went to the other stream');
  assert.deepEqual(Buffer.concat(leftViews), pattern(2 * writeBytes, 4));
  assert.deepEqual(Buffer.concat(rightViews), pattern(2 * writeBytes, 5));
  left.release(leftViews);
  right.release(rightViews);
});

test('the process keeps at most 288 spare blocks (72 MiB)', () => {
  const copies = new BlockCopies();
  const views: Buffer[] = [];
  copies.copy(Buffer.alloc(300 * writeBytes), views);
  copies.release(views);
  assert.equal(spareWriteBlocks.count, 288);
});
