import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeBytes } from '../disk-pool';
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
